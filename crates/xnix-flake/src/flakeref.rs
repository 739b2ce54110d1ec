//! Flake references: the URL-like strings (`github:owner/repo`, `path:/x?dir=sub`,
//! `nixpkgs`) and the attribute sets they stand for, as `flake.lock` stores them
//! (`{ type = "github"; owner = ...; }`). Parsing and printing follow Nix's forms; nothing
//! here touches the file system except [`FlakeRef::parse_cli`], which looks for the Git
//! repository around a bare path as Nix does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::FlakeError;

/// One attribute of a flake reference: strings, numbers (`lastModified`, `revCount`) and
/// booleans (`shallow`, `submodules`), as in the lock file's JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum AttrValue {
    /// A string attribute.
    Str(String),
    /// A non-negative integer attribute.
    Int(u64),
    /// A boolean attribute.
    Bool(bool),
}

impl AttrValue {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as it appears in a URL query.
    fn query_text(&self) -> String {
        match self {
            AttrValue::Str(s) => s.clone(),
            AttrValue::Int(i) => i.to_string(),
            AttrValue::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            AttrValue::Str(s) => serde_json::Value::String(s.clone()),
            AttrValue::Int(i) => serde_json::Value::from(*i),
            AttrValue::Bool(b) => serde_json::Value::Bool(*b),
        }
    }
}

/// The attributes of a reference, in name order (the lock file's order).
pub type Attrs = BTreeMap<String, AttrValue>;

/// A flake reference: the input's attributes (`type` and what that type needs) and the
/// directory of the flake inside the fetched tree (`?dir=`, empty for its root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlakeRef {
    /// The attributes, `dir` excluded.
    pub attrs: Attrs,
    /// The flake's directory inside the source tree, without leading or trailing `/`.
    pub subdir: String,
}

/// Attributes whose URL query values are numbers.
const INT_ATTRS: &[&str] = &["lastModified", "revCount"];
/// Attributes whose URL query values are booleans (`1`/`0`).
const BOOL_ATTRS: &[&str] = &["shallow", "submodules"];

/// Archive extensions that make a plain `http(s)://` or `file://` URL a tarball input.
const TARBALL_EXTENSIONS: &[&str] = &[
    ".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst",
];

/// Characters a query value keeps unencoded (RFC 3986's unreserved and sub-delimiters,
/// plus `:` and `@`), as Nix prints them.
const QUERY_KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

fn is_flake_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A full Git commit hash (40 hexadecimal digits).
pub fn is_rev(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_ref_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.contains("..")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
}

fn bad(input: &str, why: impl Into<String>) -> FlakeError {
    FlakeError::BadRef {
        input: input.to_string(),
        why: why.into(),
    }
}

/// Split `text` into what comes before `?`, and the decoded query pairs.
fn split_query(text: &str) -> (&str, Vec<(String, String)>) {
    match text.split_once('?') {
        None => (text, Vec::new()),
        Some((base, query)) => {
            let pairs = query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect();
            (base, pairs)
        }
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn encode(s: &str) -> String {
    // Nix writes escapes in lower case.
    let mut out = String::new();
    for piece in percent_encoding::utf8_percent_encode(s, QUERY_KEEP) {
        if piece.starts_with('%') {
            out.push_str(&piece.to_ascii_lowercase());
        } else {
            out.push_str(piece);
        }
    }
    out
}

fn typed_value(name: &str, value: &str, input: &str) -> Result<AttrValue, FlakeError> {
    if INT_ATTRS.contains(&name) {
        value
            .parse()
            .map(AttrValue::Int)
            .map_err(|_| bad(input, format!("'{name}' must be a number, not '{value}'")))
    } else if BOOL_ATTRS.contains(&name) {
        match value {
            "1" | "true" => Ok(AttrValue::Bool(true)),
            "0" | "false" => Ok(AttrValue::Bool(false)),
            _ => Err(bad(
                input,
                format!("'{name}' must be 0 or 1, not '{value}'"),
            )),
        }
    } else {
        Ok(AttrValue::Str(value.to_string()))
    }
}

/// The query parameters each input type accepts (besides `dir`).
fn allowed_params(ty: &str) -> &'static [&'static str] {
    match ty {
        "path" => &["rev", "narHash", "lastModified", "revCount"],
        "git" => &[
            "ref",
            "rev",
            "narHash",
            "lastModified",
            "revCount",
            "shallow",
            "submodules",
            "allRefs",
        ],
        "github" | "gitlab" | "sourcehut" => &["ref", "rev", "narHash", "host", "lastModified"],
        "indirect" => &["ref", "rev", "narHash"],
        _ => &["narHash", "rev", "lastModified"],
    }
}

impl FlakeRef {
    /// A reference of `ty` with the given attributes (`type` is added).
    pub fn new(ty: &str, attrs: impl IntoIterator<Item = (&'static str, AttrValue)>) -> FlakeRef {
        let mut a: Attrs = attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        a.insert("type".into(), AttrValue::Str(ty.into()));
        FlakeRef {
            attrs: a,
            subdir: String::new(),
        }
    }

    /// The input type (`path`, `git`, `github`, `tarball`, `file`, `indirect`, ...).
    pub fn input_type(&self) -> &str {
        self.attrs
            .get("type")
            .and_then(AttrValue::as_str)
            .unwrap_or("")
    }

    /// A string attribute.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).and_then(AttrValue::as_str)
    }

    /// An integer attribute.
    pub fn get_int(&self, name: &str) -> Option<u64> {
        match self.attrs.get(name) {
            Some(AttrValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// Set (or replace) an attribute.
    pub fn set(&mut self, name: &str, value: AttrValue) {
        self.attrs.insert(name.to_string(), value);
    }

    /// Parse a flake reference as written in `flake.nix` (`inputs.x.url`), in the lock
    /// file's `original`, or by `builtins.parseFlakeRef`. Relative paths (`path:./sub`) are
    /// kept relative: the caller resolves them against the flake that names them.
    pub fn parse(text: &str) -> Result<FlakeRef, FlakeError> {
        if text.contains('#') {
            return Err(bad(
                text,
                "a flake reference cannot have a fragment ('#...') here",
            ));
        }
        let (base, query) = split_query(text);
        let mut r = if let Some(rest) = base.strip_prefix("flake:") {
            Self::parse_indirect(rest, text)?
        } else if let Some((scheme, rest)) = scheme_of(base) {
            Self::parse_url(scheme, rest, base, text)?
        } else if base.starts_with('/') || base.starts_with('.') {
            FlakeRef::new("path", [("path", AttrValue::Str(base.to_string()))])
        } else if base.contains('/') && !is_flake_id(base.split('/').next().unwrap_or("")) {
            return Err(bad(text, "not a flake reference"));
        } else {
            Self::parse_indirect(base, text)?
        };
        let ty = r.input_type().to_string();
        for (k, v) in query {
            if k == "dir" {
                r.subdir = v.trim_matches('/').to_string();
            } else if ty == "tarball" || ty == "file" {
                // Other query parameters belong to the URL itself.
                if k == "narHash" || k == "rev" || k == "lastModified" {
                    r.set(&k, typed_value(&k, &v, text)?);
                } else {
                    let url = r.get_str("url").unwrap_or("").to_string();
                    let sep = if url.contains('?') { '&' } else { '?' };
                    r.set(
                        "url",
                        AttrValue::Str(format!("{url}{sep}{}={}", encode(&k), encode(&v))),
                    );
                }
            } else if allowed_params(&ty).contains(&k.as_str()) {
                if (k == "ref" || k == "rev") && r.attrs.contains_key(&k) {
                    return Err(bad(text, format!("'{k}' is given twice")));
                }
                r.set(&k, typed_value(&k, &v, text)?);
            } else {
                return Err(bad(
                    text,
                    format!("unsupported parameter '{k}' for a '{ty}' input"),
                ));
            }
        }
        if let Some(rev) = r.get_str("rev") {
            if !is_rev(rev) {
                return Err(bad(
                    text,
                    format!("'{rev}' is not a Git commit hash (40 hexadecimal digits)"),
                ));
            }
        }
        Ok(r)
    }

    fn parse_indirect(rest: &str, input: &str) -> Result<FlakeRef, FlakeError> {
        let mut parts = rest.splitn(2, '/');
        let id = parts.next().unwrap_or("");
        if !is_flake_id(id) {
            return Err(bad(input, format!("'{id}' is not a flake name")));
        }
        let mut r = FlakeRef::new("indirect", [("id", AttrValue::Str(id.into()))]);
        if let Some(tail) = parts.next() {
            set_ref_or_rev(&mut r, tail, input)?;
        }
        Ok(r)
    }

    fn parse_url(
        scheme: &str,
        rest: &str,
        base: &str,
        input: &str,
    ) -> Result<FlakeRef, FlakeError> {
        match scheme {
            "path" => {
                let p = rest.strip_prefix("//").unwrap_or(rest);
                if p.is_empty() {
                    return Err(bad(input, "the path is empty"));
                }
                Ok(FlakeRef::new("path", [("path", AttrValue::Str(decode(p)))]))
            }
            "github" | "gitlab" | "sourcehut" => {
                let mut parts = rest.splitn(3, '/');
                let owner = parts.next().unwrap_or("");
                let repo = parts.next().unwrap_or("");
                if owner.is_empty() || repo.is_empty() {
                    return Err(bad(
                        input,
                        format!("expected '{scheme}:OWNER/REPO[/REF-OR-REV]'"),
                    ));
                }
                let mut r = FlakeRef::new(
                    scheme,
                    [
                        ("owner", AttrValue::Str(owner.into())),
                        ("repo", AttrValue::Str(repo.into())),
                    ],
                );
                if let Some(tail) = parts.next() {
                    set_ref_or_rev(&mut r, tail, input)?;
                }
                Ok(r)
            }
            s if s.starts_with("git+") => {
                let transport = &s[4..];
                if !["file", "http", "https", "ssh"].contains(&transport) {
                    return Err(bad(
                        input,
                        format!("unsupported Git transport '{transport}'"),
                    ));
                }
                let url = &base[4..];
                if transport == "file" {
                    let p = rest.strip_prefix("//").unwrap_or(rest);
                    if !p.starts_with('/') {
                        return Err(bad(input, "a git+file URL needs an absolute path"));
                    }
                }
                Ok(FlakeRef::new("git", [("url", AttrValue::Str(url.into()))]))
            }
            s if s.starts_with("tarball+") => Ok(FlakeRef::new(
                "tarball",
                [("url", AttrValue::Str(base["tarball+".len()..].into()))],
            )),
            s if s.starts_with("file+") => Ok(FlakeRef::new(
                "file",
                [("url", AttrValue::Str(base["file+".len()..].into()))],
            )),
            "http" | "https" | "file" => {
                let ty = if has_tarball_extension(base) {
                    "tarball"
                } else {
                    "file"
                };
                Ok(FlakeRef::new(ty, [("url", AttrValue::Str(base.into()))]))
            }
            _ => Err(bad(input, format!("unsupported input scheme '{scheme}:'"))),
        }
    }

    /// Parse a reference given on the command line: like [`FlakeRef::parse`], but a bare
    /// path (`.`, `../x`, `/abs`) is made absolute against `cwd`, and a path inside a Git
    /// work tree becomes `git+file:` of the repository with `?dir=` (as Nix does), so that
    /// only files Git tracks are part of the flake.
    pub fn parse_cli(text: &str, cwd: &Path) -> Result<FlakeRef, FlakeError> {
        let (base, _) = split_query(text);
        let bare_path = base.starts_with('/') || base.starts_with('.');
        let mut r = FlakeRef::parse(text)?;
        if r.input_type() == "path" {
            let p = r.get_str("path").unwrap_or("").to_string();
            let abs = normalise(&cwd.join(&p));
            r.set("path", AttrValue::Str(abs.to_string_lossy().into_owned()));
            if bare_path {
                if !abs.join("flake.nix").exists() {
                    return Err(FlakeError::NotAFlake { path: abs });
                }
                if let Some(root) = git_root(&abs) {
                    let sub = abs.strip_prefix(&root).unwrap_or(Path::new(""));
                    let mut g = FlakeRef::new(
                        "git",
                        [("url", AttrValue::Str(format!("file://{}", root.display())))],
                    );
                    g.attrs.extend(
                        r.attrs
                            .into_iter()
                            .filter(|(k, _)| k != "type" && k != "path"),
                    );
                    g.subdir = sub.to_string_lossy().into_owned();
                    if !r.subdir.is_empty() {
                        g.subdir = join_subdir(&g.subdir, &r.subdir);
                    }
                    return Ok(g);
                }
            }
        }
        Ok(r)
    }

    /// Parse `REF#FRAGMENT` (installables): the reference and the attribute path after `#`.
    pub fn parse_with_fragment(text: &str, cwd: &Path) -> Result<(FlakeRef, String), FlakeError> {
        let (r, frag) = match text.split_once('#') {
            Some((r, f)) => (r, decode(f)),
            None => (text, String::new()),
        };
        let r = if r.is_empty() { "." } else { r };
        Ok((FlakeRef::parse_cli(r, cwd)?, frag))
    }

    /// The reference as attributes (`dir` included when set), as `builtins.parseFlakeRef`
    /// returns them and the lock file stores them.
    pub fn to_attrs(&self) -> Attrs {
        let mut a = self.attrs.clone();
        if !self.subdir.is_empty() {
            a.insert("dir".into(), AttrValue::Str(self.subdir.clone()));
        }
        a
    }

    /// A reference from attributes (`dir` becomes the subdirectory). Checks that the type
    /// is known and carries what it needs.
    pub fn from_attrs(mut attrs: Attrs) -> Result<FlakeRef, FlakeError> {
        let subdir = match attrs.remove("dir") {
            Some(AttrValue::Str(d)) => d.trim_matches('/').to_string(),
            Some(_) => return Err(bad("<attributes>", "'dir' must be a string")),
            None => String::new(),
        };
        let r = FlakeRef { attrs, subdir };
        let need: &[&str] = match r.input_type() {
            "path" => &["path"],
            "git" | "tarball" | "file" => &["url"],
            "github" | "gitlab" | "sourcehut" => &["owner", "repo"],
            "indirect" => &["id"],
            "" => return Err(bad("<attributes>", "the attribute 'type' is missing")),
            other => {
                return Err(bad(
                    "<attributes>",
                    format!("unsupported input type '{other}'"),
                ))
            }
        };
        for n in need {
            if r.get_str(n).is_none() {
                return Err(bad(
                    "<attributes>",
                    format!(
                        "a '{}' input needs the string attribute '{n}'",
                        r.input_type()
                    ),
                ));
            }
        }
        Ok(r)
    }

    /// The reference as a URL string, as Nix prints it (`builtins.flakeRefToString`, the
    /// `url` of `flake metadata`).
    pub fn to_url(&self) -> String {
        let a = &self.attrs;
        let s = |n: &str| a.get(n).and_then(AttrValue::as_str).unwrap_or("");
        let mut skip: Vec<&str> = vec!["type"];
        let base = match self.input_type() {
            "indirect" => {
                skip.extend(["id", "ref", "rev"]);
                let mut b = format!("flake:{}", s("id"));
                if a.contains_key("ref") {
                    b += &format!("/{}", s("ref"));
                }
                if a.contains_key("rev") {
                    b += &format!("/{}", s("rev"));
                }
                b
            }
            "path" => {
                skip.push("path");
                format!("path:{}", s("path"))
            }
            "git" => {
                skip.push("url");
                format!("git+{}", s("url"))
            }
            ty @ ("github" | "gitlab" | "sourcehut") => {
                skip.extend(["owner", "repo", "ref", "rev", "lastModified"]);
                let mut b = format!("{ty}:{}/{}", s("owner"), s("repo"));
                if a.contains_key("rev") {
                    b += &format!("/{}", s("rev"));
                } else if a.contains_key("ref") {
                    b += &format!("/{}", s("ref"));
                }
                b
            }
            "tarball" => {
                skip.extend(["url", "lastModified"]);
                let u = s("url");
                if has_tarball_extension(u.split('?').next().unwrap_or(u)) {
                    u.to_string()
                } else {
                    format!("tarball+{u}")
                }
            }
            "file" => {
                skip.extend(["url", "lastModified"]);
                format!("file+{}", s("url"))
            }
            other => format!("{other}:"),
        };
        let mut query: BTreeMap<&str, String> = a
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.query_text()))
            .collect();
        if !self.subdir.is_empty() {
            query.insert("dir", self.subdir.clone());
        }
        if query.is_empty() {
            return base;
        }
        let q: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}{}", q.join("&"))
    }

    /// Whether the reference pins its content: a `narHash`, or a Git commit for the Git
    /// based types. Unlocked inputs are fetched again on every evaluation.
    pub fn is_locked(&self) -> bool {
        match self.input_type() {
            "git" | "github" | "gitlab" | "sourcehut" => self.attrs.contains_key("rev"),
            "indirect" => false,
            _ => self.attrs.contains_key("narHash"),
        }
    }

    /// The reference without what locking adds (`narHash`, `lastModified`, `rev`,
    /// `revCount`): what an override or `flake update` starts from.
    pub fn unlocked(&self) -> FlakeRef {
        let mut r = self.clone();
        for k in ["narHash", "lastModified", "revCount"] {
            r.attrs.remove(k);
        }
        r
    }
}

impl std::fmt::Display for FlakeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_url())
    }
}

fn set_ref_or_rev(r: &mut FlakeRef, tail: &str, input: &str) -> Result<(), FlakeError> {
    // `REF/REV`, `REV` or `REF` (which may contain slashes).
    if let Some((head, last)) = tail.rsplit_once('/') {
        if is_rev(last) {
            if !is_ref_name(head) {
                return Err(bad(
                    input,
                    format!("'{head}' is not a valid branch or tag name"),
                ));
            }
            r.set("ref", AttrValue::Str(head.into()));
            r.set("rev", AttrValue::Str(last.into()));
            return Ok(());
        }
    }
    if is_rev(tail) {
        r.set("rev", AttrValue::Str(tail.into()));
    } else if is_ref_name(tail) {
        r.set("ref", AttrValue::Str(tail.into()));
    } else {
        return Err(bad(
            input,
            format!("'{tail}' is not a valid branch or tag name"),
        ));
    }
    Ok(())
}

/// `scheme:rest` when `text` starts with a URL scheme.
fn scheme_of(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    ok.then_some((scheme, rest))
}

fn has_tarball_extension(url: &str) -> bool {
    TARBALL_EXTENSIONS.iter().any(|e| url.ends_with(e))
}

/// `a/b` joined, either may be empty.
pub fn join_subdir(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

/// A path with `.` and `..` components resolved lexically.
pub fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The top of the Git work tree containing `dir`, if any.
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.join(".git").exists() {
            return Some(d.to_path_buf());
        }
        cur = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(text: &str, expect: &str) {
        let r = FlakeRef::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(r.to_url(), expect, "{text} -> {r:?}");
        let again = FlakeRef::parse(&r.to_url()).unwrap();
        assert_eq!(again, r, "{text} does not round-trip");
        assert_eq!(FlakeRef::from_attrs(r.to_attrs()).unwrap(), r);
    }

    #[test]
    fn forms() {
        round("nixpkgs", "flake:nixpkgs");
        round("flake:nixpkgs/nixos-22.05", "flake:nixpkgs/nixos-22.05");
        round(
            "nixpkgs/0123456789abcdef0123456789abcdef01234567",
            "flake:nixpkgs/0123456789abcdef0123456789abcdef01234567",
        );
        round("path:/tmp/x?dir=sub", "path:/tmp/x?dir=sub");
        round(
            "path:/tmp/x?narHash=sha256-abc/def%3D&lastModified=12",
            "path:/tmp/x?lastModified=12&narHash=sha256-abc%2fdef=",
        );
        round(
            "git+file:///src/repo?ref=main&dir=a/b",
            "git+file:///src/repo?dir=a%2fb&ref=main",
        );
        round(
            "git+https://example.org/r.git",
            "git+https://example.org/r.git",
        );
        round("github:NixOS/nixpkgs", "github:NixOS/nixpkgs");
        round(
            "github:NixOS/nixpkgs/nixos-22.05",
            "github:NixOS/nixpkgs/nixos-22.05",
        );
        round(
            "https://example.org/a.tar.gz",
            "https://example.org/a.tar.gz",
        );
        round(
            "tarball+https://example.org/a",
            "tarball+https://example.org/a",
        );
        round(
            "file+https://example.org/a.txt",
            "file+https://example.org/a.txt",
        );
        round(
            "https://example.org/a.txt",
            "file+https://example.org/a.txt",
        );
    }

    #[test]
    fn attrs() {
        let r = FlakeRef::parse("github:o/r/v1?dir=x").unwrap();
        let a = r.to_attrs();
        assert_eq!(a["type"], AttrValue::Str("github".into()));
        assert_eq!(a["ref"], AttrValue::Str("v1".into()));
        assert_eq!(a["dir"], AttrValue::Str("x".into()));
        let r = FlakeRef::parse("path:/x?lastModified=5").unwrap();
        assert_eq!(r.get_int("lastModified"), Some(5));
    }

    #[test]
    fn errors() {
        for bad in [
            "github:onlyowner",
            "path:/x?foo=1",
            "nixpkgs/not a ref",
            "git+ftp://x",
            "weird://x",
            "path:/x#frag",
            "nixpkgs?rev=123",
        ] {
            assert!(FlakeRef::parse(bad).is_err(), "{bad} should fail");
        }
    }
}
