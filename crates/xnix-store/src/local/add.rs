//! Adding objects: sources, texts, derivations, NAR imports and built
//! outputs, each completed in a temporary and moved into place before it
//! is registered.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use xnix_formats::derivation::Derivation;
use xnix_formats::hash::{Hash, HashAlgo, HashingWriter};
use xnix_formats::path::{ContentAddressMethod, FixedOutputHash, StorePath};
use xnix_formats::refscan::{RefScanner, Tee};
use xnix_fs::nar::{self};
use xnix_fs::ops::{self, CopyModes, LockMode};
use xnix_fs::PathFilter;

use xnix_fs::io_err;

use super::{
    canonicalise_metadata, now, LocalStore, LocalStoreError, Result, StoreTemp, ValidPathInfo,
};

impl LocalStore {
    /// With `fsync` on: flush a finished tree to disk before it is moved into place.
    pub(super) fn sync_tree(&self, path: &Path) -> Result<()> {
        if self.fsync {
            ops::sync_tree(path)?;
        }
        Ok(())
    }

    /// With `fsync` on: make a rename into the store directory durable.
    pub(super) fn sync_store_dir(&self) -> Result<()> {
        if self.fsync {
            ops::sync_path(&self.real_store)?;
        }
        Ok(())
    }

    /// NAR hash, NAR size and the references among `candidates` of a tree in
    /// one pass over its NAR.
    pub fn hash_and_scan(
        path: &Path,
        candidates: &BTreeSet<StorePath>,
    ) -> Result<(Hash, u64, BTreeSet<StorePath>)> {
        let mut hasher = HashingWriter::new(HashAlgo::Sha256);
        let mut scanner = RefScanner::new(candidates);
        nar::dump_path(
            path,
            io::BufWriter::with_capacity(1 << 16, Tee(&mut hasher, &mut scanner)),
        )?;
        let (h, n) = hasher.finish();
        Ok((h, n, scanner.into_found()))
    }

    /// Finish a path that a builder wrote in place at [`Self::real_path`]
    /// (while holding its [`PathLocks`](crate::local::PathLocks)): canonicalise its metadata, hash it,
    /// and find its references among `candidates` (typically the build's
    /// input closure plus its own outputs). The result is ready for
    /// [`Self::register_valid_paths`].
    pub fn make_path_info(
        &self,
        path: &StorePath,
        candidates: &BTreeSet<StorePath>,
        deriver: Option<StorePath>,
    ) -> Result<ValidPathInfo> {
        let real = self.real_path(path);
        canonicalise_metadata(&real)?;
        let (nar_hash, nar_size, references) = Self::hash_and_scan(&real, candidates)?;
        Ok(ValidPathInfo {
            path: path.clone(),
            nar_hash,
            nar_size,
            references,
            deriver,
            registration_time: now(),
            ca: None,
            sigs: Vec::new(),
            ultimate: true,
        })
    }

    /// Move a finished temporary into place as `path` and register it, unless
    /// it is valid already. Holds the GC lock (shared) and the path's lock.
    pub(super) fn install(
        &self,
        temp: StoreTemp,
        content: &Path,
        path: &StorePath,
        references: BTreeSet<StorePath>,
        ca: Option<String>,
        nar: Option<(Hash, u64)>,
    ) -> Result<()> {
        let _gc = self.gc_lock(LockMode::Shared)?;
        let _lock = self.lock_paths(&[path.clone()].into())?;
        if !self.is_valid_path(path)? {
            for r in &references {
                if !self.is_valid_path(r)? {
                    return Err(LocalStoreError::MissingReference {
                        path: self.full_path(path),
                        reference: self.full_path(r),
                    });
                }
            }
            canonicalise_metadata(content)?;
            let (nar_hash, nar_size) = match nar {
                Some(n) => n,
                None => nar::nar_hash(content)?,
            };
            self.move_into_place(
                content,
                &ValidPathInfo {
                    path: path.clone(),
                    nar_hash,
                    nar_size,
                    references,
                    deriver: None,
                    registration_time: now(),
                    ca,
                    sigs: Vec::new(),
                    // As Nix: only built outputs are "ultimately trusted"; added objects are not.
                    ultimate: false,
                },
            )?;
        }
        self.add_temp_root_locked(path)?;
        drop(temp);
        Ok(())
    }

    /// Move the finished, canonicalised `content` into place as `info.path`
    /// and register it. The caller holds the GC lock (shared) and the path's
    /// lock, and found the path not valid. A derivation is parsed before it
    /// is moved; if registration is refused all the same, the moved copy is
    /// removed again: a refused add leaves nothing unregistered behind.
    fn move_into_place(&self, content: &Path, info: &ValidPathInfo) -> Result<()> {
        if info.path.is_derivation() {
            let text =
                fs::read_to_string(content).map_err(io_err("reading derivation", content))?;
            self.parse_derivation(&info.path, &text)?;
        }
        let real = self.real_path(&info.path);
        // An unregistered leftover from an interrupted add of this same path.
        ops::remove_tree(&real)?;
        self.sync_tree(content)?;
        fs::rename(content, &real).map_err(io_err("moving into place", &real))?;
        self.sync_store_dir()?;
        if let Err(e) = self.register_valid_paths(std::slice::from_ref(info)) {
            let _ = ops::remove_tree(&real);
            return Err(e);
        }
        Ok(())
    }

    /// Add a store object from its NAR serialisation (substitution from a
    /// binary cache, copying between stores). The NAR is unpacked into a
    /// temporary directory while its SHA-256 and size are computed; both must
    /// equal `info.nar_hash` and `info.nar_size`, and every reference other
    /// than the path itself must be valid, before the path is moved into
    /// place and registered with `info`'s deriver, CA and signatures.
    /// Importing an already-valid path does nothing.
    pub fn import_nar(&self, info: &ValidPathInfo, nar_stream: impl io::Read) -> Result<()> {
        let temp = self.new_temp()?;
        let content = temp.path.join("x");
        let mut reader = HashingReader {
            inner: nar_stream,
            hasher: HashingWriter::new(HashAlgo::Sha256),
        };
        nar::restore(&mut reader, &content)?;
        let (nar_hash, nar_size) = reader.hasher.finish();
        if nar_hash != info.nar_hash || nar_size != info.nar_size {
            return Err(LocalStoreError::NarMismatch {
                path: self.full_path(&info.path),
                expected: format!("{} ({} bytes)", info.nar_hash, info.nar_size),
                actual: format!("{nar_hash} ({nar_size} bytes)"),
            });
        }
        let _gc = self.gc_lock(LockMode::Shared)?;
        let _lock = self.lock_paths(&[info.path.clone()].into())?;
        if !self.is_valid_path(&info.path)? {
            for r in info.references.iter().filter(|r| **r != info.path) {
                if !self.is_valid_path(r)? {
                    return Err(LocalStoreError::MissingReference {
                        path: self.full_path(&info.path),
                        reference: self.full_path(r),
                    });
                }
            }
            canonicalise_metadata(&content)?;
            let mut info = info.clone();
            info.registration_time = now();
            self.move_into_place(&content, &info)?;
        }
        self.add_temp_root_locked(&info.path)?;
        drop(temp);
        Ok(())
    }

    /// Write the NAR serialisation of a valid path to `out` (as `nix-store --dump`).
    pub fn export_nar(&self, path: &StorePath, out: impl Write) -> Result<()> {
        if !self.is_valid_path(path)? {
            return Err(LocalStoreError::NotValid(self.full_path(path)));
        }
        nar::dump_path(&self.real_path(path), out)?;
        Ok(())
    }

    /// Add a file or directory as a source path (as `./file` in an
    /// expression, `nix-store --add`): recursive SHA-256, no references.
    pub fn add_to_store(&self, name: &str, src: &Path) -> Result<StorePath> {
        self.add_to_store_fixed(name, src, ContentAddressMethod::Recursive, HashAlgo::Sha256)
            .map(|(p, _)| p)
    }

    /// Add a file or directory as a fixed-output path (as `nix-store
    /// --add-fixed [--recursive] ALGO`). Returns the path and the content hash.
    pub fn add_to_store_fixed(
        &self,
        name: &str,
        src: &Path,
        method: ContentAddressMethod,
        algo: HashAlgo,
    ) -> Result<(StorePath, Hash)> {
        self.add_to_store_filtered(name, src, method, algo, &mut |_, _| true)
    }

    /// Like [`Self::add_to_store_fixed`], leaving out entries for which
    /// `filter` returns false (`builtins.path`, `builtins.filterSource`).
    pub fn add_to_store_filtered(
        &self,
        name: &str,
        src: &Path,
        method: ContentAddressMethod,
        algo: HashAlgo,
        filter: &mut PathFilter<'_>,
    ) -> Result<(StorePath, Hash)> {
        xnix_formats::path::check_name(name, name)?;
        let temp = self.new_temp()?;
        let content = temp.path.join("x");
        ops::copy_tree(src, &content, CopyModes::AsInNar, filter)?;
        canonicalise_metadata(&content)?;
        let nar = nar::nar_hash(&content)?;
        let hash = match method {
            ContentAddressMethod::Flat => {
                if !fs::symlink_metadata(&content)
                    .map_err(io_err("getting status of", &content))?
                    .is_file()
                {
                    return Err(LocalStoreError::NotARegularFile(src.to_path_buf()));
                }
                Hash::digest_reader(
                    algo,
                    File::open(&content).map_err(io_err("reading", &content))?,
                )
                .map_err(io_err("reading", &content))?
            }
            ContentAddressMethod::Recursive if algo == HashAlgo::Sha256 => nar.0.clone(),
            ContentAddressMethod::Recursive => nar::nar_hash_with(&content, algo)?.0,
        };
        let fixed = FixedOutputHash {
            method,
            hash: hash.clone(),
        };
        let path = self
            .store_dir
            .make_fixed_output_path(name, &fixed, &BTreeSet::new(), false)?;
        self.install(
            temp,
            &content,
            &path,
            BTreeSet::new(),
            Some(fixed.to_ca_string()),
            Some(nar),
        )?;
        Ok((path, hash))
    }

    /// Add a text object (as `builtins.toFile`) with the given references.
    pub fn add_text_to_store(
        &self,
        name: &str,
        text: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath> {
        let hash = Hash::digest(HashAlgo::Sha256, text);
        let path = self.store_dir.make_text_path(name, &hash, references)?;
        self.add_temp_root(&path)?;
        if self.is_valid_path(&path)? {
            return Ok(path);
        }
        let temp = self.new_temp()?;
        let content = temp.path.join("x");
        fs::write(&content, text).map_err(io_err("writing", &content))?;
        let ca = Some(format!("text:sha256:{}", hash.to_base32()));
        self.install(temp, &content, &path, references.clone(), ca, None)?;
        Ok(path)
    }

    /// Write a derivation's `.drv` file (a text object whose references are
    /// its input sources and derivations) and return its path.
    pub fn add_derivation(&self, drv: &Derivation) -> Result<StorePath> {
        let text = drv.to_aterm(&self.store_dir);
        self.add_text_to_store(
            &format!("{}.drv", drv.name),
            text.as_bytes(),
            &drv.references(),
        )
    }
}

/// A reader that hashes and counts what is read through it.
struct HashingReader<R: io::Read> {
    inner: R,
    hasher: HashingWriter,
}

impl<R: io::Read> io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.write_all(&buf[..n])?;
        Ok(n)
    }
}
