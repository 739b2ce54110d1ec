//! What the tokenizer's and the parser's tests compare with rnix on: the text of
//! every `.nix` file of the evaluation corpus, the collection and nixpkgs' lib,
//! and a small deterministic generator that picks where to mutate them.

use std::path::{Path, PathBuf};

fn nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            nix_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

/// Every readable `.nix` file of tests/eval, pkgs and ../shared/nixpkgs-lib, with
/// its text and a name for messages.
pub(crate) fn nix_texts() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["tests/eval", "pkgs", "../shared/nixpkgs-lib"] {
        nix_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "the corpus is there");
    files
        .iter()
        .filter_map(|f| Some((f.display().to_string(), std::fs::read_to_string(f).ok()?)))
        .collect()
}

/// A xorshift generator: the same mutants on every run.
pub(crate) struct Picker(u64);

impl Picker {
    pub(crate) fn new(seed: u64) -> Picker {
        Picker(seed)
    }

    /// A number below `n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Three mutants of `text` around the byte range `a..b` (char boundaries, `a <= b`),
/// each with how it was made: cut short at `a`, the range dropped, the range twice.
pub(crate) fn mutants(text: &str, a: usize, b: usize) -> [(String, String); 3] {
    [
        (text[..a].to_string(), format!("cut at {a}")),
        (
            format!("{}{}", &text[..a], &text[b..]),
            format!("without {a}..{b}"),
        ),
        (
            format!("{}{}", &text[..b], &text[a..]),
            format!("with {a}..{b} twice"),
        ),
    ]
}
