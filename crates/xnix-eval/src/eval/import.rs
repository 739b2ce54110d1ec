//! Parsing and importing: source files, `import`, the search path (`<name>`).

//! The lazy evaluator: the `Evaluator`, forcing, function application and the operators.

use std::collections::HashMap;
use std::rc::Rc;

use super::{Evaluator, R};
use crate::error::EvalError;
use crate::ir::*;
use crate::lower::{parse_error, Lowerer, Scope};
use crate::parse::ParseFailure;
use crate::path::canon_path;
use crate::value::*;

impl Evaluator {
    /// Parse and lower source text; `name` names it in messages, `base_dir` resolves relative paths.
    pub fn parse(&self, text: &str, name: &str, base_dir: &str) -> R<Rc<Expr>> {
        self.parse_with_scope(text, name, base_dir, None)
    }

    pub(crate) fn parse_with_scope(
        &self,
        text: &str,
        name: &str,
        base_dir: &str,
        extra: Option<HashMap<Sym, u32>>,
    ) -> R<Rc<Expr>> {
        let text: Rc<str> = text.into();
        let file = self.add_file(name.to_string(), text.clone());
        let stack_low = || self.check_stack(Pos::NONE).is_err();
        let root = match crate::parse::parse(&text, &stack_low) {
            Ok(root) => root,
            Err(ParseFailure::Syntax(e)) => return Err(parse_error(&e, file, &text)),
            Err(ParseFailure::TooDeep(offset)) => {
                return Err(EvalError::new(
                    crate::error::ErrorKind::Parse,
                    crate::lower::TOO_DEEP,
                    Pos { file, offset },
                ))
            }
        };
        let mut scopes = vec![Scope::Names(self.global_names.clone())];
        if let Some(extra) = extra {
            scopes.push(Scope::Names(extra));
        }
        let mut l = Lowerer {
            file,
            file_name: name,
            text: &text,
            base_dir,
            scopes,
            stack_low: &stack_low,
        };
        l.lower_root(root)
    }

    /// Evaluate an expression given as text (relative paths resolve against `base_dir`), to WHNF.
    pub fn eval_expr(&self, src: &str, base_dir: &str) -> R<Value> {
        let e = self.parse(src, "«string»", base_dir)?;
        self.eval(&e, &self.globals.clone())
    }

    /// Evaluate a file (a directory means its `default.nix`), to WHNF. Results are cached per file.
    pub fn eval_file(&self, path: &str) -> R<Value> {
        let p = self.resolve_import_path(path, Pos::NONE)?;
        self.import_file(&p, Pos::NONE)
    }

    pub(crate) fn resolve_import_path(&self, path: &str, pos: Pos) -> R<String> {
        if crate::builtins::corepkg_source(path).is_some() {
            return Ok(path.to_string());
        }
        let mut p = if path.starts_with('/') {
            canon_path(path)
        } else {
            let cwd = std::env::current_dir()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            canon_path(&format!("{cwd}/{path}"))
        };
        if std::fs::symlink_metadata(&p).is_err() {
            if let Some(src) = self.unwritten_source(&p) {
                p = src;
            }
        }
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => p = format!("{}/default.nix", p.trim_end_matches('/')),
            Ok(_) => {}
            Err(e) => {
                return Err(EvalError::msg(
                    format!("getting status of '{p}': {}", io_msg(&e)),
                    pos,
                ))
            }
        }
        Ok(p)
    }

    /// Where a path inside a store path this evaluation computed but nobody wrote yet
    /// (a flake's `outPath`, copied lazily) lies on disk: importing `"${flake}/file.nix"`
    /// reads the source the store path will be copied from.
    pub(super) fn unwritten_source(&self, path: &str) -> Option<String> {
        let cache = self.drv_cache.borrow();
        cache.objects.iter().find_map(|o| match o {
            crate::store::StoreObject::Source { src, path: sp, .. } => {
                let rest = path.strip_prefix(sp.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then(|| format!("{src}{rest}"))
            }
            _ => None,
        })
    }

    pub(crate) fn import_file(&self, path: &str, pos: Pos) -> R<Value> {
        if let Some(v) = self.import_cache.borrow().get(path) {
            return self.force(v.clone());
        }
        let text = match crate::builtins::corepkg_source(path) {
            Some(src) => Ok(src.to_string()),
            None => read_source(path),
        };
        let text = text
            .map_err(|e| EvalError::msg(format!("opening file '{path}': {}", io_msg(&e)), pos))?;
        let dir = crate::path::dir_of(path);
        let e = self.parse(&text, path, &dir)?;
        let v = Thunk::value(ThunkState::Expr(e, self.globals.clone()));
        self.import_cache
            .borrow_mut()
            .insert(path.to_string(), v.clone());
        self.force(v)
    }

    /// Look `name` up in the search path as `<name>` does.
    pub fn find_file(&self, name: &str, pos: Pos) -> R<String> {
        for (prefix, path) in self.search_path.borrow().iter() {
            let Some(candidate) = search_path_candidate(prefix, path, name) else {
                continue;
            };
            if std::path::Path::new(&candidate).exists() {
                return Ok(candidate);
            }
        }
        self.find_fallback_file(name).ok_or_else(|| {
            EvalError::msg(
                format!(
                    "file '{name}' was not found in the Nix search path (add it using $NIX_PATH or -I)"
                ),
                pos,
            )
        })
    }

    /// Add an entry `NAME=PATH` that `<NAME>` finds when the search path does not: it is not
    /// part of `builtins.nixPath`, so `-I` and `NIX_PATH` can still override it.
    pub fn add_fallback_search_path(&self, spec: &str) {
        self.fallback_search_path
            .borrow_mut()
            .push(split_search_entry(spec));
    }

    /// Where `<name>` is when no search path entry has it: the fallback entries, then the
    /// built-in `<nix/...>` files.
    /// Like [`Evaluator::add_fallback_search_path`], and the first time the entry is used,
    /// `notice` is printed on stderr (the user asked for one thing and gets another).
    pub fn add_fallback_search_path_with_notice(&self, spec: &str, notice: &str) {
        let (prefix, path) = split_search_entry(spec);
        self.fallback_notices
            .borrow_mut()
            .insert(prefix.clone(), notice.to_string());
        self.fallback_search_path.borrow_mut().push((prefix, path));
    }

    pub(crate) fn find_fallback_file(&self, name: &str) -> Option<String> {
        for (prefix, path) in self.fallback_search_path.borrow().iter() {
            if let Some(candidate) = search_path_candidate(prefix, path, name) {
                if std::path::Path::new(&candidate).exists() {
                    if let Some(notice) = self.fallback_notices.borrow_mut().remove(prefix) {
                        eprintln!("notice: {notice}");
                    }
                    return Some(candidate);
                }
            }
        }
        let rest = name.strip_prefix("nix/")?;
        Some(format!("{}{rest}", crate::builtins::COREPKGS_PREFIX))
    }
}

/// Where `<name>` would be under search path entry `prefix=path` (made absolute and
/// canonical), or `None` if the entry's prefix does not match.
pub(crate) fn search_path_candidate(prefix: &str, path: &str, name: &str) -> Option<String> {
    let candidate = if prefix.is_empty() {
        format!("{path}/{name}")
    } else if name == prefix {
        path.to_string()
    } else {
        let rest = name.strip_prefix(prefix)?.strip_prefix('/')?;
        format!("{path}/{rest}")
    };
    Some(if candidate.starts_with('/') {
        canon_path(&candidate)
    } else {
        let cwd = std::env::current_dir()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        canon_path(&format!("{cwd}/{candidate}"))
    })
}

pub(super) fn split_search_entry(spec: &str) -> (String, String) {
    match spec.split_once('=') {
        Some((p, path)) => (p.to_string(), path.to_string()),
        None => (String::new(), spec.to_string()),
    }
}

/// A Nix source file as text. Nix reads source files as bytes: text that is not valid
/// UTF-8 (Latin-1 in a comment or a string) is kept byte for byte
/// ([`crate::bytes::from_bytes`]), not refused.
pub(crate) fn read_source(path: &str) -> std::io::Result<String> {
    let data = std::fs::read(path)?;
    Ok(match String::from_utf8(data) {
        Ok(text) => text,
        Err(e) => crate::bytes::from_bytes(e.as_bytes()),
    })
}

/// Read a whole file with Nix's messages: opening a directory succeeds and the read fails
/// ("reading from file: Is a directory"); any other failure is "opening file '<path>'".
pub(crate) fn read_file_bytes(path: &str, pos: Pos) -> R<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        if std::path::Path::new(path).is_dir() {
            EvalError::msg("reading from file: Is a directory", pos)
        } else {
            EvalError::msg(format!("opening file '{path}': {}", io_msg(&e)), pos)
        }
    })
}

pub(crate) fn io_msg(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}
