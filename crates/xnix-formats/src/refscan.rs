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
    /// Which first two bytes any candidate starts with: a cheap filter
    /// before the hash-map lookup.
    first_two: Vec<bool>,
    /// The last `HASH_PART_LEN - 1` bytes seen, followed by the current chunk.
    window: Vec<u8>,
}

impl RefScanner {
    /// A scanner for the given candidate paths.
    pub fn new<'a>(candidates: impl IntoIterator<Item = &'a StorePath>) -> Self {
        let candidates: HashMap<[u8; HASH_PART_LEN], StorePath> = candidates
            .into_iter()
            .map(|p| {
                let mut k = [0u8; HASH_PART_LEN];
                k.copy_from_slice(p.hash_part().as_bytes());
                (k, p.clone())
            })
            .collect();
        let mut first_two = vec![false; 1 << 16];
        for k in candidates.keys() {
            first_two[(k[0] as usize) << 8 | k[1] as usize] = true;
        }
        RefScanner {
            first_two,
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
        // `run` counts the base32 bytes ending at `i`; every 32-byte window
        // of base32 bytes is looked up once. The retained tail is shorter
        // than a hash, so no window is looked up twice.
        let mut run = 0usize;
        for i in 0..s.len() {
            if !self.is_b32[s[i] as usize] {
                run = 0;
                continue;
            }
            run += 1;
            if run < HASH_PART_LEN {
                continue;
            }
            let start = i + 1 - HASH_PART_LEN;
            if !self.first_two[(s[start] as usize) << 8 | s[start + 1] as usize] {
                continue;
            }
            let key: &[u8; HASH_PART_LEN] = s[start..=i].try_into().expect("window is 32 bytes");
            if let Some(p) = self.candidates.get(key) {
                self.found.insert(p.clone());
            }
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

    #[test]
    fn finds_hash_parts_inside_longer_base32_runs() {
        let a = StorePath::from_base_name("r95bbm1a3yqj20mijhsg0wvnwc6a4g0v-foo").unwrap();
        let b = StorePath::from_base_name("5bdsnapgidqr672g9h3nb6kz60zlwhqs-fx").unwrap();
        // Glued to other base32 characters on both sides, and overlapping.
        let text = format!("0000{}{}zzzz", a.hash_part(), b.hash_part());
        let mut s = RefScanner::new([&a, &b]);
        for chunk in text.as_bytes().chunks(7) {
            s.write_all(chunk).unwrap();
        }
        assert_eq!(s.into_found(), [a.clone(), b.clone()].into());
        let mut s = RefScanner::new([&a]);
        s.write_all(&text.as_bytes()[..text.len() / 2 - 10])
            .unwrap();
        assert!(s.found().is_empty());
    }
}
