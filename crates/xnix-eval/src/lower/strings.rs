//! Lowering strings, indented strings and paths (interpolation, `~/`, indentation).

//! Lowering of rnix's syntax tree into the evaluator's IR, resolving variables statically.

use std::rc::Rc;

use rnix::ast::{self, AstToken, InterpolPart};
use rowan::ast::AstNode;

use super::Lowerer;
use crate::error::Result;
use crate::ir::*;
use crate::path::canon_path;
use crate::value::{Pos, Value};

impl<'a> Lowerer<'a> {
    /// An indented string, with Nix's rules: escapes are decoded first and take part in the
    /// indentation computation like any other characters; a first line of only spaces is
    /// dropped; the minimum indentation of lines (whitespace-only lines excepted) is removed;
    /// a last line of only spaces is dropped.
    pub(super) fn lower_ind_str(&mut self, s: &ast::Str) -> Result<Vec<StrPart>> {
        enum Piece {
            /// Text; escapes are separate pieces (`true`).
            Text(String, bool),
            Interp(Rc<Expr>),
        }
        let mut pieces: Vec<Piece> = Vec::new();
        let mut first = true;
        for part in s.parts() {
            match part {
                InterpolPart::Literal(tok) => {
                    let full = tok.syntax().text().to_string();
                    let mut raw = full.as_str();
                    if first {
                        if let Some(p) = raw.find('\n') {
                            if raw[..p].bytes().all(|b| b == b' ') {
                                raw = &raw[p + 1..];
                            }
                        }
                    }
                    let mut run = String::new();
                    let mut chars = raw.chars().peekable();
                    while let Some(c) = chars.next() {
                        if c == '\'' && chars.peek() == Some(&'\'') {
                            let mut look = chars.clone();
                            look.next();
                            let escaped = match look.peek() {
                                Some('\'') => Some("''".to_string()),
                                Some('$') => Some("$".to_string()),
                                Some('\\') => {
                                    look.next();
                                    Some(match look.peek() {
                                        Some('n') => "\n".to_string(),
                                        Some('r') => "\r".to_string(),
                                        Some('t') => "\t".to_string(),
                                        Some(c) => c.to_string(),
                                        None => String::new(),
                                    })
                                }
                                _ => None,
                            };
                            if let Some(e) = escaped {
                                look.next();
                                chars = look;
                                if !run.is_empty() {
                                    pieces.push(Piece::Text(std::mem::take(&mut run), false));
                                }
                                pieces.push(Piece::Text(e, true));
                                continue;
                            }
                        }
                        run.push(c);
                    }
                    if !run.is_empty() {
                        pieces.push(Piece::Text(run, false));
                    }
                }
                InterpolPart::Interpolation(i) => {
                    let pos = self.pos(&i);
                    pieces.push(Piece::Interp(self.lower_opt(i.expr(), pos)?));
                }
            }
            first = false;
        }
        // The minimum indentation.
        let mut at_start = true;
        let mut min_indent = usize::MAX;
        let mut cur = 0;
        for p in &pieces {
            match p {
                // Interpolations and escapes end a line's leading whitespace.
                Piece::Interp(_) | Piece::Text(_, true) => {
                    if at_start {
                        at_start = false;
                        min_indent = min_indent.min(cur);
                    }
                }
                Piece::Text(t, false) => {
                    for c in t.chars() {
                        if at_start {
                            if c == ' ' {
                                cur += 1;
                            } else if c == '\n' {
                                cur = 0;
                            } else {
                                at_start = false;
                                min_indent = min_indent.min(cur);
                            }
                        } else if c == '\n' {
                            at_start = true;
                            cur = 0;
                        }
                    }
                }
            }
        }
        // Strip it.
        let mut out: Vec<StrPart> = Vec::new();
        let mut at_start = true;
        let mut dropped = 0;
        let n = pieces.len();
        for (k, p) in pieces.into_iter().enumerate() {
            match p {
                Piece::Interp(e) => {
                    at_start = false;
                    dropped = 0;
                    out.push(StrPart::Interp(e));
                }
                Piece::Text(t, _) => {
                    let mut s2 = String::with_capacity(t.len());
                    for c in t.chars() {
                        if at_start {
                            if c == ' ' {
                                if dropped >= min_indent {
                                    s2.push(c);
                                }
                                dropped += 1;
                            } else if c == '\n' {
                                dropped = 0;
                                s2.push(c);
                            } else {
                                at_start = false;
                                dropped = 0;
                                s2.push(c);
                            }
                        } else {
                            s2.push(c);
                            if c == '\n' {
                                at_start = true;
                            }
                        }
                    }
                    if k + 1 == n {
                        if let Some(p) = s2.rfind('\n') {
                            if s2[p + 1..].bytes().all(|b| b == b' ') {
                                s2.truncate(p + 1);
                            }
                        }
                    }
                    match out.last_mut() {
                        Some(StrPart::Lit(prev)) => prev.push_str(&s2),
                        _ => out.push(StrPart::Lit(s2)),
                    }
                }
            }
        }
        out.retain(|p| !matches!(p, StrPart::Lit(s) if s.is_empty()));
        Ok(out)
    }

    pub(super) fn lower_str_parts(&mut self, s: &ast::Str) -> Result<Vec<StrPart>> {
        let multiline = s.syntax().first_token().is_some_and(|t| t.text() == "''");
        if multiline {
            return self.lower_ind_str(s);
        }
        let mut out = Vec::new();
        for p in s.normalized_parts() {
            match p {
                InterpolPart::Literal(mut t) => {
                    // Nix unescapes a literal as a C string: a NUL byte in the source ends it.
                    if let Some(nul) = t.find('\0') {
                        t.truncate(nul);
                    }
                    if let Some(StrPart::Lit(prev)) = out.last_mut() {
                        prev.push_str(&t);
                    } else if !t.is_empty() {
                        out.push(StrPart::Lit(t));
                    }
                }
                InterpolPart::Interpolation(i) => {
                    let pos = self.pos(&i);
                    out.push(StrPart::Interp(self.lower_opt(i.expr(), pos)?));
                }
            }
        }
        Ok(out)
    }

    pub(super) fn lower_path(
        &mut self,
        parts: Vec<InterpolPart<ast::PathContent>>,
        pos: Pos,
        base: &str,
    ) -> Result<Expr> {
        let mut out = Vec::new();
        for (i, p) in parts.into_iter().enumerate() {
            match p {
                InterpolPart::Literal(t) => {
                    let mut text = t.text().to_string();
                    if i == 0 {
                        if let Some(rest) = text.strip_prefix('~') {
                            text = format!("{base}{rest}");
                        } else if !base.is_empty() {
                            text = format!("{base}/{text}");
                        }
                    }
                    out.push(StrPart::Lit(text));
                }
                InterpolPart::Interpolation(e) => {
                    let p = self.pos(&e);
                    out.push(StrPart::Interp(self.lower_opt(e.expr(), p)?));
                }
            }
        }
        if let [StrPart::Lit(s)] = out.as_slice() {
            return Ok(Expr::Lit(Value::Path(canon_path(s).into())));
        }
        Ok(Expr::Path(out.into(), pos))
    }
}

pub(super) fn home_dir() -> String {
    std::env::var("HOME").unwrap_or_else(|_| "/".to_string())
}
