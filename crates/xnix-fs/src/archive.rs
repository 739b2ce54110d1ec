//! Unpacking tar archives (plain, gzip, xz, zstd or bzip2 compressed) into a
//! directory, in-process: what `builtins.fetchTarball` and tarball sources
//! need. The compression is told by the first bytes of the file, not by its
//! name, because downloads are stored under names that need not say it.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// How a tar archive is compressed, as its first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// No compression: the tar stream itself.
    None,
    /// gzip (`.tar.gz`, `.tgz`).
    Gzip,
    /// xz (`.tar.xz`).
    Xz,
    /// zstd (`.tar.zst`).
    Zstd,
    /// bzip2 (`.tar.bz2`).
    Bzip2,
}

impl Compression {
    /// The compression whose magic number `head` starts with; `None` (no
    /// compression) for anything else.
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Compression::Xz
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if head.starts_with(b"BZh") {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }
}

/// Why an archive could not be unpacked.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The archive could not be opened or read.
    #[error("reading the archive '{path}': {source}")]
    Read {
        /// The archive.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The archive is not a tar archive (after decompression), is truncated,
    /// or an entry could not be written below the destination.
    #[error("unpacking '{path}' ({compression:?} compression) into '{dest}': {source} (is it a tar archive, complete and uncorrupted?)")]
    Unpack {
        /// The archive.
        path: PathBuf,
        /// The compression detected.
        compression: Compression,
        /// The destination directory.
        dest: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// Unpack the tar archive `archive` (compressed or not) into the existing
/// directory `dest`. Entries that would land outside `dest` (absolute names,
/// `..`) are refused by the tar reader; directories get their permissions
/// after their contents are written, so read-only directories unpack too.
pub fn unpack_tar(archive: &Path, dest: &Path) -> Result<Compression, ArchiveError> {
    let read_err = |source| ArchiveError::Read {
        path: archive.to_path_buf(),
        source,
    };
    let mut input = BufReader::new(File::open(archive).map_err(read_err)?);
    let compression = Compression::detect(input.fill_buf().map_err(read_err)?);
    let result = match compression {
        Compression::None => unpack_stream(input, dest),
        Compression::Gzip => unpack_stream(flate2::bufread::MultiGzDecoder::new(input), dest),
        Compression::Xz => unpack_stream(xz2::bufread::XzDecoder::new_multi_decoder(input), dest),
        Compression::Zstd => {
            zstd::stream::read::Decoder::with_buffer(input).and_then(|d| unpack_stream(d, dest))
        }
        Compression::Bzip2 => unpack_stream(bzip2::bufread::MultiBzDecoder::new(input), dest),
    };
    result.map_err(|source| ArchiveError::Unpack {
        path: archive.to_path_buf(),
        compression,
        dest: dest.to_path_buf(),
        source,
    })?;
    Ok(compression)
}

fn unpack_stream(stream: impl Read, dest: &Path) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(stream);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(false);
    archive.set_overwrite(true);
    archive.unpack(dest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    /// A tar stream with a directory, an executable file, a plain file and a symlink.
    fn sample_tar() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut dir = tar::Header::new_gnu();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_mode(0o555);
        dir.set_size(0);
        b.append_data(&mut dir, "pkg-1.0/", std::io::empty())
            .unwrap();
        for (name, mode, body) in [
            ("pkg-1.0/configure", 0o755, &b"#!/bin/sh\n"[..]),
            ("pkg-1.0/README", 0o644, &b"hello\n"[..]),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_mode(mode);
            h.set_size(body.len() as u64);
            b.append_data(&mut h, name, body).unwrap();
        }
        let mut link = tar::Header::new_gnu();
        link.set_entry_type(tar::EntryType::Symlink);
        link.set_size(0);
        b.append_link(&mut link, "pkg-1.0/READ.ME", "README")
            .unwrap();
        b.into_inner().unwrap()
    }

    fn compress(c: Compression, data: &[u8]) -> Vec<u8> {
        match c {
            Compression::None => data.to_vec(),
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), Default::default());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Xz => {
                let mut e = xz2::write::XzEncoder::new(Vec::new(), 6);
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Zstd => zstd::stream::encode_all(data, 3).unwrap(),
            Compression::Bzip2 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), Default::default());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
        }
    }

    #[test]
    fn every_compression_unpacks_the_same_tree() {
        let tar = sample_tar();
        for c in [
            Compression::None,
            Compression::Gzip,
            Compression::Xz,
            Compression::Zstd,
            Compression::Bzip2,
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let archive = tmp.path().join("download");
            std::fs::write(&archive, compress(c, &tar)).unwrap();
            let dest = tmp.path().join("out");
            std::fs::create_dir(&dest).unwrap();
            assert_eq!(unpack_tar(&archive, &dest).unwrap(), c);
            let root = dest.join("pkg-1.0");
            assert_eq!(std::fs::read(root.join("README")).unwrap(), b"hello\n");
            let mode = std::fs::metadata(root.join("configure"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111, "{c:?}: the executable bit is kept");
            assert_eq!(
                std::fs::read_link(root.join("READ.ME")).unwrap(),
                Path::new("README")
            );
            // The read-only directory got its mode after its contents were written.
            let dir_mode = std::fs::metadata(&root).unwrap().permissions().mode();
            assert_eq!(dir_mode & 0o777, 0o555);
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    #[test]
    fn garbage_and_truncated_archives_are_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("out");
        std::fs::create_dir(&dest).unwrap();
        let archive = tmp.path().join("download");
        let gz = compress(Compression::Gzip, &sample_tar());
        std::fs::write(&archive, &gz[..gz.len() / 2]).unwrap();
        let err = unpack_tar(&archive, &dest).unwrap_err();
        assert!(
            matches!(
                err,
                ArchiveError::Unpack {
                    compression: Compression::Gzip,
                    ..
                }
            ),
            "{err}"
        );
        std::fs::write(&archive, vec![b'x'; 2000]).unwrap();
        assert!(unpack_tar(&archive, &dest).is_err());
        assert!(matches!(
            unpack_tar(&tmp.path().join("missing"), &dest),
            Err(ArchiveError::Read { .. })
        ));
    }
}
