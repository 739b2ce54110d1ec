//! Reference scanning: which of a candidate set of store paths occur (by
//! their 32-character hash part) in a byte stream.
//!
//! A store object refers to another exactly when the other's hash part
//! appears somewhere in its bytes (file contents, symlink targets or file
//! names), so scanning the object's NAR finds its run-time dependencies.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

use crate::hash::NIX_BASE32_ALPHABET;
use crate::path::{StorePath, HASH_PART_LEN};

fn base32_table() -> [bool; 256] {
    let mut t = [false; 256];
    for &c in NIX_BASE32_ALPHABET {
        t[c as usize] = true;
    }
    t
}

/// A `Write` sink that records which candidate hash parts pass through it,
/// including occurrences split across write calls.
pub struct RefScanner {
    candidates: HashMap<[u8; HASH_PART_LEN], StorePath>,
    found: BTreeSet<StorePath>,
    is_b32: [bool; 256],
    /// The last `HASH_PART_LEN - 1` bytes seen, followed by the current chunk.
    window: Vec<u8>,
}

impl RefScanner {
    /// A scanner for the given candidate paths.
    pub fn new<'a>(candidates: impl IntoIterator<Item = &'a StorePath>) -> Self {
        let candidates = candidates
            .into_iter()
            .map(|p| {
                let mut k = [0u8; HASH_PART_LEN];
                k.copy_from_slice(p.hash_part().as_bytes());
                (k, p.clone())
            })
            .collect();
        RefScanner {
            candidates,
            found: BTreeSet::new(),
            is_b32: base32_table(),
            window: Vec::new(),
        }
    }

    /// The candidates found so far.
    pub fn found(&self) -> &BTreeSet<StorePath> {
        &self.found
    }

    /// Consume the scanner and return what it found.
    pub fn into_found(self) -> BTreeSet<StorePath> {
        self.found
    }

    fn scan(&mut self, data: &[u8]) {
        if self.candidates.is_empty() || self.found.len() == self.candidates.len() {
            return;
        }
        self.window.extend_from_slice(data);
        let s = &self.window;
        let mut i = 0;
        while i + HASH_PART_LEN <= s.len() {
            // Find the rightmost non-base32 byte in the window; a hash cannot
            // start at or before it, so skip past it.
            let mut j = HASH_PART_LEN;
            let mut skip = 0;
            while j > 0 {
                if !self.is_b32[s[i + j - 1] as usize] {
                    skip = j;
                    break;
                }
                j -= 1;
            }
            if skip > 0 {
                i += skip;
                continue;
            }
            let key: &[u8; HASH_PART_LEN] = s[i..i + HASH_PART_LEN]
                .try_into()
                .expect("window is 32 bytes");
            if let Some(p) = self.candidates.get(key) {
                self.found.insert(p.clone());
            }
            i += 1;
        }
        let keep = (HASH_PART_LEN - 1).min(self.window.len());
        let start = self.window.len() - keep;
        self.window.drain(..start);
    }
}

impl Write for RefScanner {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.scan(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that copies everything to two writers (e.g. a hasher and a scanner).
pub struct Tee<A: Write, B: Write>(pub A, pub B);

impl<A: Write, B: Write> Write for Tee<A, B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(buf)?;
        self.1.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()?;
        self.1.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hash_parts_across_chunks() {
        let a = StorePath::from_base_name("r95bbm1a3yqj20mijhsg0wvnwc6a4g0v-foo").unwrap();
        let b = StorePath::from_base_name("5bdsnapgidqr672g9h3nb6kz60zlwhqs-fx").unwrap();
        let c = StorePath::from_base_name("7w70fp4axgxb4fhn99ki055csmrkb55y-a.nix").unwrap();
        let text = format!(
            "xx/nix/store/{}-foo/bin and {}",
            a.hash_part(),
            b.hash_part()
        );
        for split in 0..text.len() {
            let mut s = RefScanner::new([&a, &b, &c]);
            s.write_all(&text.as_bytes()[..split]).unwrap();
            s.write_all(&text.as_bytes()[split..]).unwrap();
            assert_eq!(
                s.into_found(),
                [a.clone(), b.clone()].into(),
                "split at {split}"
            );
        }
    }
}
