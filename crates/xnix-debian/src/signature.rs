//! Checking a suite's `InRelease` (an OpenPGP clear-signed `Release`)
//! against the machine's trusted archive keys, as APT does: `gpgv` checks
//! the signatures against the keyrings, reports on a status channel, and
//! writes out exactly the text it verified, which is what the caller then
//! parses (so nothing outside the signed part can slip in).
//!
//! The trusted keys are APT's: Debian's archive keyring
//! (`/usr/share/keyrings/debian-archive-keyring.gpg`, which the Debian
//! sources name in `Signed-By`) and the keyrings under `/etc/apt/trusted.gpg.d`
//! and `/etc/apt/trusted.gpg`. ASCII-armoured keyrings (`*.asc`) are turned
//! into binary ones first, since gpgv reads only those. This module runs a
//! program and writes temporary files; the parsing of its status lines is
//! [`judge`], free of I/O.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;

/// Why an `InRelease` was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The file carries no clear signature.
    #[error("dists/{suite}/InRelease of the Debian mirror is not signed (it does not begin with an OpenPGP clear signature), so its hashes cannot be trusted; point XNIX_MIRROR_DEBIAN (or the APT sources) at a Debian archive, or fix the mirror")]
    Unsigned {
        /// The suite.
        suite: String,
    },
    /// A signature does not match the text: the file was changed.
    #[error("dists/{suite}/InRelease of the Debian mirror has a BAD signature ({detail}): it was changed after it was signed; do not use this mirror (check XNIX_MIRROR_DEBIAN / the APT sources), or try again if it was a broken download")]
    Bad {
        /// The suite.
        suite: String,
        /// gpgv's words about the bad signature.
        detail: String,
    },
    /// No signature is by a key of the keyrings.
    #[error("dists/{suite}/InRelease of the Debian mirror is not signed by a trusted key (signed by {keys}; trusted keyrings: {keyrings}); install or update debian-archive-keyring (apt-get install debian-archive-keyring), or name the archive's keyring in XNIX_DEBIAN_KEYRING")]
    Untrusted {
        /// The keys it was signed with (or why each did not count).
        keys: String,
        /// The keyrings looked in.
        keyrings: String,
        /// The suite.
        suite: String,
    },
    /// There is no keyring to check against.
    #[error("cannot check dists/{suite}/InRelease of the Debian mirror: no trusted keyring ({looked}); apt-get install debian-archive-keyring, or set XNIX_DEBIAN_KEYRING to the archive's keyring")]
    NoKeyring {
        /// The suite.
        suite: String,
        /// Where keyrings were looked for.
        looked: String,
    },
    /// gpgv could not be run or failed otherwise.
    #[error(
        "cannot check the signature of dists/{suite}/InRelease of the Debian mirror: {message}"
    )]
    Gpgv {
        /// The suite.
        suite: String,
        /// What went wrong.
        message: String,
    },
}

/// The keyrings whose keys an archive's `InRelease` must be signed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyrings {
    /// Keyring files, binary (`.gpg`) or ASCII-armoured (`.asc`).
    pub files: Vec<PathBuf>,
    /// Where they were looked for, for messages.
    pub looked: String,
}

impl Keyrings {
    /// APT's trusted keys under the root directory `root` (`/` for this
    /// machine): Debian's archive keyring, `/etc/apt/trusted.gpg` and every
    /// `*.gpg` and `*.asc` of `/etc/apt/trusted.gpg.d`, those that exist.
    pub fn from_apt(root: &Path) -> Keyrings {
        let archive = root.join("usr/share/keyrings/debian-archive-keyring.gpg");
        let trusted = root.join("etc/apt/trusted.gpg");
        let parts = root.join("etc/apt/trusted.gpg.d");
        let mut files: Vec<PathBuf> = [archive.clone(), trusted.clone()]
            .into_iter()
            .filter(|p| p.is_file())
            .collect();
        let mut more: Vec<PathBuf> = std::fs::read_dir(&parts)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "gpg" || e == "asc"))
            .collect();
        more.sort();
        files.extend(more);
        Keyrings {
            files,
            looked: format!(
                "{}, {}, {}/*.gpg|*.asc",
                archive.display(),
                trusted.display(),
                parts.display()
            ),
        }
    }

    /// Exactly these keyring files.
    pub fn from_files(files: Vec<PathBuf>) -> Keyrings {
        let looked = files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Keyrings { files, looked }
    }

    /// Checks the `InRelease` of `suite` and returns the text its
    /// signatures cover (the `Release` to parse). At least one signature
    /// must be good and by a key of these keyrings, and none may be bad.
    pub fn verify(&self, suite: &str, in_release: &[u8]) -> Result<Vec<u8>, SignatureError> {
        if !in_release.starts_with(b"-----BEGIN PGP SIGNED MESSAGE-----") {
            return Err(SignatureError::Unsigned {
                suite: suite.to_string(),
            });
        }
        if self.files.is_empty() {
            return Err(SignatureError::NoKeyring {
                suite: suite.to_string(),
                looked: self.looked.clone(),
            });
        }
        let gpgv_error = |message: String| SignatureError::Gpgv {
            suite: suite.to_string(),
            message,
        };
        let io_error = |what: &str, e: io::Error| gpgv_error(format!("{what}: {e}"));
        let dir = tempfile::tempdir().map_err(|e| io_error("creating a temporary directory", e))?;
        let mut command = Command::new("gpgv");
        // A home of its own: nothing of the user's GnuPG set-up counts.
        command.arg("--homedir").arg(dir.path());
        for (i, file) in self.files.iter().enumerate() {
            let bytes = std::fs::read(file)
                .map_err(|e| io_error(&format!("reading the keyring {}", file.display()), e))?;
            let binary = if file.extension().is_some_and(|e| e == "asc") {
                let Some(b) = dearmor(&bytes) else {
                    return Err(gpgv_error(format!(
                        "the keyring {} is not an ASCII-armoured key block",
                        file.display()
                    )));
                };
                b
            } else {
                bytes
            };
            let copy = dir.path().join(format!("keyring-{i}.gpg"));
            std::fs::write(&copy, binary).map_err(|e| io_error("writing a keyring copy", e))?;
            command.arg("--keyring").arg(copy);
        }
        let input = dir.path().join("InRelease");
        let output = dir.path().join("Release");
        std::fs::write(&input, in_release).map_err(|e| io_error("writing InRelease", e))?;
        let ran = command
            .arg("--status-fd")
            .arg("1")
            .arg("--output")
            .arg(&output)
            .arg(&input)
            .env("LC_ALL", "C")
            .output()
            .map_err(|e| {
                gpgv_error(format!(
                    "cannot run gpgv ({e}); install it: apt-get install gpgv"
                ))
            })?;
        let status = String::from_utf8_lossy(&ran.stdout);
        match judge(&status) {
            Verdict::Good => {
                std::fs::read(&output).map_err(|e| io_error("reading what gpgv verified", e))
            }
            Verdict::Bad(detail) => Err(SignatureError::Bad {
                suite: suite.to_string(),
                detail,
            }),
            Verdict::Untrusted(keys) => Err(SignatureError::Untrusted {
                suite: suite.to_string(),
                keys,
                keyrings: self.looked.clone(),
            }),
            Verdict::NoSignature => Err(gpgv_error(format!(
                "gpgv found no signature: {}",
                String::from_utf8_lossy(&ran.stderr).trim()
            ))),
        }
    }
}

/// What gpgv's status lines say about a clear-signed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// At least one good signature by a trusted key, no bad one.
    Good,
    /// A signature does not match (its status line's words).
    Bad(String),
    /// Signatures, none good by a trusted key (the keys, and why).
    Untrusted(String),
    /// No signature at all.
    NoSignature,
}

/// Reads gpgv's `--status-fd` lines (`[GNUPG:] KEYWORD args`).
pub fn judge(status: &str) -> Verdict {
    let mut valid = false;
    let mut signatures = 0;
    let mut bad = vec![];
    let mut others = vec![];
    for line in status.lines() {
        let Some(rest) = line.strip_prefix("[GNUPG:] ") else {
            continue;
        };
        let (keyword, args) = rest.split_once(' ').unwrap_or((rest, ""));
        match keyword {
            "NEWSIG" => signatures += 1,
            "VALIDSIG" => valid = true,
            "BADSIG" => bad.push(format!("bad signature from {args}")),
            "NO_PUBKEY" => others.push(format!("{args} (not in the keyrings)")),
            "EXPKEYSIG" => others.push(format!("{args} (key expired)")),
            "REVKEYSIG" => others.push(format!("{args} (key revoked)")),
            "EXPSIG" => others.push(format!("{args} (signature expired)")),
            _ => {}
        }
    }
    if !bad.is_empty() {
        Verdict::Bad(bad.join("; "))
    } else if valid {
        Verdict::Good
    } else if signatures == 0 {
        Verdict::NoSignature
    } else if others.is_empty() {
        Verdict::Untrusted(format!("{signatures} signature(s) gpgv could not check"))
    } else {
        Verdict::Untrusted(others.join(", "))
    }
}

/// The binary key block inside an ASCII-armoured one (`-----BEGIN PGP
/// PUBLIC KEY BLOCK-----`, header lines, a blank line, base64, an optional
/// `=CRC` line, the END line); several blocks are concatenated.
fn dearmor(armoured: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(armoured).ok()?;
    let mut out = vec![];
    let mut lines = text.lines().map(str::trim_end);
    let mut found = false;
    while let Some(line) = lines.next() {
        if !line.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----") {
            continue;
        }
        // Armour headers (`Comment: ...`) end at the first blank line.
        for header in lines.by_ref() {
            if header.trim().is_empty() {
                break;
            }
        }
        let mut body = String::new();
        for l in lines.by_ref() {
            if l.starts_with("-----END PGP PUBLIC KEY BLOCK-----") {
                break;
            }
            if l.starts_with('=') {
                continue;
            }
            body.push_str(l.trim());
        }
        out.extend(
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .ok()?,
        );
        found = true;
    }
    found.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let good =
            "[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 6ED0 Debian\n[GNUPG:] VALIDSIG 4CB5 2026-07-11\n";
        assert_eq!(judge(good), Verdict::Good);
        // One good signature is enough when the others' keys are unknown.
        let mixed =
            format!("[GNUPG:] NEWSIG\n[GNUPG:] ERRSIG 1234 1 8\n[GNUPG:] NO_PUBKEY 1234\n{good}");
        assert_eq!(judge(&mixed), Verdict::Good);
        // A bad one spoils everything.
        let bad = format!("{good}[GNUPG:] NEWSIG\n[GNUPG:] BADSIG 78DB Debian 13\n");
        assert!(matches!(judge(&bad), Verdict::Bad(d) if d.contains("78DB")));
        let unknown = "[GNUPG:] NEWSIG\n[GNUPG:] ERRSIG 1234 1 8\n[GNUPG:] NO_PUBKEY 1234\n";
        assert!(
            matches!(judge(unknown), Verdict::Untrusted(k) if k.contains("1234 (not in the keyrings)"))
        );
        let expired = "[GNUPG:] NEWSIG\n[GNUPG:] EXPKEYSIG 99 Old\n";
        assert!(matches!(judge(expired), Verdict::Untrusted(k) if k.contains("expired")));
        assert_eq!(judge("[GNUPG:] PLAINTEXT 74 0\n"), Verdict::NoSignature);
    }

    #[test]
    fn dearmoring() {
        let armoured = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: x\n\naGVs\nbG8=\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n";
        assert_eq!(dearmor(armoured.as_bytes()).unwrap(), b"hello");
        assert_eq!(dearmor(b"no armour"), None);
    }

    #[test]
    fn unsigned_and_keyless_are_refused_before_running_anything() {
        let rings = Keyrings::from_files(vec![]);
        let e = rings
            .verify("bookworm", b"Codename: bookworm\n")
            .unwrap_err();
        assert!(matches!(e, SignatureError::Unsigned { .. }), "{e}");
        assert!(e.to_string().contains("dists/bookworm/InRelease"), "{e}");
        let e = rings
            .verify("bookworm", b"-----BEGIN PGP SIGNED MESSAGE-----\n")
            .unwrap_err();
        assert!(matches!(e, SignatureError::NoKeyring { .. }), "{e}");
    }

    /// The InRelease APT last downloaded for this machine's Debian sources,
    /// when there is one: it verifies against the machine's keyrings, and
    /// one changed byte in its signed text makes the signature bad.
    #[test]
    fn the_machines_own_in_release_verifies_and_a_changed_one_does_not() {
        let lists = Path::new("/var/lib/apt/lists");
        let Some(file) = std::fs::read_dir(lists)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with("_dists_bookworm_InRelease"))
            })
        else {
            eprintln!("no bookworm InRelease under {}; skipped", lists.display());
            return;
        };
        let bytes = std::fs::read(&file).unwrap();
        let rings = Keyrings::from_apt(Path::new("/"));
        let text = rings.verify("bookworm", &bytes).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("Codename: bookworm"), "{text}");
        assert!(!text.contains("PGP"), "{text}");
        // Change one hex digit of the first SHA256 line.
        let at = String::from_utf8_lossy(&bytes).find("SHA256:\n ").unwrap() + 9;
        let mut changed = bytes.clone();
        changed[at] = if changed[at] == b'0' { b'1' } else { b'0' };
        let e = rings.verify("bookworm", &changed).unwrap_err();
        assert!(matches!(e, SignatureError::Bad { .. }), "{e}");
        // Keyrings without Debian's keys do not trust it.
        let e = Keyrings::from_files(vec![PathBuf::from("/dev/null")])
            .verify("bookworm", &bytes)
            .unwrap_err();
        assert!(matches!(e, SignatureError::Untrusted { .. }), "{e}");
    }
}
