//! Path helpers.

/// Canonicalise an absolute path as Nix does (no symlink resolution): collapse `//`, drop `.`,
/// resolve `..` lexically, drop a trailing `/`.
pub fn canon_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return "/".to_string();
    }
    let mut out = String::with_capacity(p.len());
    for c in parts {
        out.push('/');
        out.push_str(c);
    }
    out
}

/// The directory part of a path string, as `dirOf` gives it.
pub fn dir_of(p: &str) -> String {
    match p.rfind('/') {
        None => ".".to_string(),
        Some(0) => "/".to_string(),
        Some(i) => p[..i].to_string(),
    }
}

/// The last component of a path string, as `baseNameOf` gives it.
pub fn base_name_of(p: &str) -> String {
    let p = p.strip_suffix('/').unwrap_or(p);
    match p.rfind('/') {
        None => p.to_string(),
        Some(i) => p[i + 1..].to_string(),
    }
}
