//! Lowering of rnix's syntax tree into the evaluator's IR, resolving variables statically.

use std::collections::HashMap;
use std::rc::Rc;

use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use crate::error::{ErrorKind, EvalError, Result};
use crate::ir::*;
use crate::path::canon_path;
use crate::value::{Pos, Sym, Value};

/// A lexical scope during lowering: one environment frame at run time.
pub(crate) enum Scope {
    /// Names bound in the frame, with their slots.
    Names(HashMap<Sym, u32>),
    /// A `with` frame.
    With,
}

/// Lowers one file (or string) into IR.
pub(crate) struct Lowerer<'a> {
    pub file: u32,
    /// The source's name and text, for positions written into messages.
    pub file_name: &'a str,
    pub text: &'a str,
    pub base_dir: &'a str,
    pub scopes: Vec<Scope>,
}

enum Pending {
    Expr(ast::Expr),
    Inherit(Sym, Pos),
    InheritFrom(ast::Expr, Sym),
    Nested(PendingSet),
}

#[derive(Default)]
struct PendingSet {
    statics: Vec<(Sym, Pending, Pos)>,
    index: HashMap<Sym, usize>,
    dynamics: Vec<(ast::Expr, Pending, Pos)>,
    /// A `rec { }` literal merged with attribute paths stays recursive.
    recursive: bool,
}

fn sort_statics(set: &mut PendingSet) {
    set.statics.sort_by(|a, b| a.0.cmp(&b.0));
    set.index.clear();
}

fn home_dir() -> String {
    std::env::var("HOME").unwrap_or_else(|_| "/".to_string())
}

impl<'a> Lowerer<'a> {
    fn pos(&self, node: &impl AstNode<Language = rnix::NixLanguage>) -> Pos {
        Pos {
            file: self.file,
            offset: u32::from(node.syntax().text_range().start()),
        }
    }

    fn err(&self, msg: impl Into<String>, pos: Pos) -> EvalError {
        EvalError::new(ErrorKind::Parse, msg, pos)
    }

    /// Lower a whole parsed file.
    pub fn lower_root(&mut self, root: ast::Root) -> Result<Rc<Expr>> {
        match root.expr() {
            Some(e) => self.lower(e, None),
            None => Err(self.err(
                "syntax error, unexpected end of file",
                Pos {
                    file: self.file,
                    offset: 0,
                },
            )),
        }
    }

    fn lookup(&self, name: &str, pos: Pos) -> Result<Expr> {
        let mut with_depths = Vec::new();
        for (depth, scope) in self.scopes.iter().rev().enumerate() {
            match scope {
                Scope::Names(m) => {
                    if let Some(&index) = m.get(name) {
                        return Ok(Expr::Var {
                            depth: depth as u32,
                            index,
                        });
                    }
                }
                Scope::With => with_depths.push(depth as u32),
            }
        }
        if with_depths.is_empty() {
            return Err(EvalError::msg(format!("undefined variable '{name}'"), pos));
        }
        Ok(Expr::WithVar {
            name: name.into(),
            with_depths: with_depths.into(),
            hint: SlotHint::default(),
            pos,
        })
    }

    pub(crate) fn ident_name(&self, id: &ast::Ident) -> String {
        id.syntax().text().to_string()
    }

    fn lower_opt(&mut self, e: Option<ast::Expr>, at: Pos) -> Result<Rc<Expr>> {
        match e {
            Some(e) => self.lower(e, None),
            None => Err(self.err("syntax error, unexpected end of expression", at)),
        }
    }

    /// Lower an expression; `name` is the binding it is the value of (names lambdas).
    pub fn lower(&mut self, e: ast::Expr, name: Option<&Sym>) -> Result<Rc<Expr>> {
        let pos = self.pos(&e);
        Ok(Rc::new(match e {
            ast::Expr::Error(_) => return Err(self.err("syntax error", pos)),
            ast::Expr::Root(r) => return self.lower_opt(r.expr(), pos),
            // Parentheses are no node in Nix's tree: a name reaches the lambda inside.
            ast::Expr::Paren(p) => {
                return match p.expr() {
                    Some(e) => self.lower(e, name),
                    None => self.lower_opt(None, pos),
                }
            }
            ast::Expr::Literal(l) => match l.kind() {
                ast::LiteralKind::Integer(i) => match i.value() {
                    Ok(v) => Expr::Lit(Value::Int(v)),
                    Err(_) => {
                        return Err(
                            self.err(format!("invalid integer '{}'", i.syntax().text()), pos)
                        )
                    }
                },
                ast::LiteralKind::Float(f) => match f.value() {
                    // strtod reports underflow to a subnormal and overflow as errors.
                    Ok(v) if v.is_finite() && (v == 0.0 || v.abs() >= f64::MIN_POSITIVE) => {
                        Expr::Lit(Value::Float(v))
                    }
                    Ok(_) => {
                        return Err(self.err(format!("invalid float '{}'", f.syntax().text()), pos))
                    }
                    Err(_) => {
                        return Err(self.err(format!("invalid float '{}'", f.syntax().text()), pos))
                    }
                },
                ast::LiteralKind::Uri(u) => Expr::Lit(Value::str(u.syntax().text())),
            },
            ast::Expr::Ident(id) => self.lookup(&self.ident_name(&id), pos)?,
            ast::Expr::CurPos(_) => Expr::CurPos(pos),
            ast::Expr::Str(s) => {
                let parts = self.lower_str_parts(&s)?;
                match parts.as_slice() {
                    [] => Expr::Lit(Value::str("")),
                    [StrPart::Lit(s)] => Expr::Lit(Value::str(s.clone())),
                    _ => Expr::Str(parts.into(), pos),
                }
            }
            ast::Expr::PathAbs(p) => self.lower_path(p.parts(), pos, "")?,
            ast::Expr::PathRel(p) => self.lower_path(p.parts(), pos, self.base_dir)?,
            ast::Expr::PathHome(p) => self.lower_path(p.parts(), pos, &home_dir())?,
            ast::Expr::PathSearch(p) => {
                let text = p.syntax().text().to_string();
                let inner = text
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string();
                let find = Rc::new(self.lookup("__findFile", pos)?);
                let nix_path = Rc::new(self.lookup("__nixPath", pos)?);
                let f = Rc::new(Expr::Apply(find, nix_path, pos));
                Expr::Apply(f, Rc::new(Expr::Lit(Value::str(inner))), pos)
            }
            ast::Expr::List(l) => {
                let items = l
                    .items()
                    .map(|i| self.lower(i, None))
                    .collect::<Result<Vec<_>>>()?;
                Expr::List(items.into())
            }
            ast::Expr::Lambda(l) => {
                Expr::Lambda(Rc::new(self.lower_lambda(l, name.cloned(), pos)?))
            }
            ast::Expr::Apply(a) => {
                let f = self.lower_opt(a.lambda(), pos)?;
                let x = self.lower_opt(a.argument(), pos)?;
                Expr::Apply(f, x, pos)
            }
            ast::Expr::Assert(a) => {
                // The message shows the condition as Nix prints its syntax tree.
                let text = a.condition().map(|c| self.show(&c)).unwrap_or_default();
                let c = self.lower_opt(a.condition(), pos)?;
                let b = self.lower_opt(a.body(), pos)?;
                Expr::Assert(c, b, pos, text)
            }
            ast::Expr::IfElse(i) => {
                let c = self.lower_opt(i.condition(), pos)?;
                let t = self.lower_opt(i.body(), pos)?;
                let e = self.lower_opt(i.else_body(), pos)?;
                Expr::If(c, t, e, pos)
            }
            ast::Expr::Select(s) => {
                let e = self.lower_opt(s.expr(), pos)?;
                let path = self.lower_attrpath(s.attrpath(), pos)?;
                let d = match s.default_expr() {
                    Some(d) => Some(self.lower(d, None)?),
                    None => None,
                };
                Expr::Select(e, path, d, pos)
            }
            ast::Expr::HasAttr(h) => {
                let e = self.lower_opt(h.expr(), pos)?;
                let path = self.lower_attrpath(h.attrpath(), pos)?;
                Expr::HasAttr(e, path)
            }
            ast::Expr::With(w) => {
                let ns = self.lower_opt(w.namespace(), pos)?;
                self.scopes.push(Scope::With);
                let body = self.lower_opt(w.body(), pos);
                self.scopes.pop();
                Expr::With(ns, body?)
            }
            ast::Expr::UnaryOp(u) => {
                let e = self.lower_opt(u.expr(), pos)?;
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => Expr::Not(e, pos),
                    _ => Expr::Neg(e, pos),
                }
            }
            ast::Expr::BinOp(b) => {
                let l = self.lower_opt(b.lhs(), pos)?;
                let r = self.lower_opt(b.rhs(), pos)?;
                use ast::BinOpKind as K;
                let op = match b.operator() {
                    Some(op) => op,
                    None => return Err(self.err("syntax error, unknown operator", pos)),
                };
                match op {
                    K::Add => Expr::Add(l, r, pos),
                    K::And => Expr::And(l, r, pos),
                    K::Or => Expr::Or(l, r, pos),
                    K::Implication => Expr::Impl(l, r, pos),
                    K::Concat => Expr::BinOp(BinOp::Concat, l, r, pos),
                    K::Update => Expr::BinOp(BinOp::Update, l, r, pos),
                    K::Sub => Expr::BinOp(BinOp::Sub, l, r, pos),
                    K::Mul => Expr::BinOp(BinOp::Mul, l, r, pos),
                    K::Div => Expr::BinOp(BinOp::Div, l, r, pos),
                    K::Equal => Expr::BinOp(BinOp::Eq, l, r, pos),
                    K::NotEqual => Expr::BinOp(BinOp::NEq, l, r, pos),
                    K::Less => Expr::BinOp(BinOp::Lt, l, r, pos),
                    K::LessOrEq => Expr::BinOp(BinOp::Le, l, r, pos),
                    K::More => Expr::BinOp(BinOp::Gt, l, r, pos),
                    K::MoreOrEq => Expr::BinOp(BinOp::Ge, l, r, pos),
                    K::PipeRight | K::PipeLeft => {
                        return Err(self.err("syntax error, unexpected pipe operator", pos))
                    }
                }
            }
            ast::Expr::AttrSet(s) => {
                let recursive = s.rec_token().is_some();
                let pending = self.collect_entries(s.entries(), true)?;
                if recursive {
                    let b = self.lower_rec_bindings(pending, true)?;
                    Expr::AttrSet(Rc::new(b), pos)
                } else {
                    Expr::AttrSet(Rc::new(self.lower_plain_set(pending)?), pos)
                }
            }
            ast::Expr::LetIn(l) => {
                let pending = self.collect_entries(l.entries(), false)?;
                let (b, body) = self.lower_let(pending, l.body(), pos)?;
                Expr::Let(Rc::new(b), body)
            }
            ast::Expr::LegacyLet(l) => {
                let pending = self.collect_entries(l.entries(), false)?;
                let b = self.lower_rec_bindings(pending, true)?;
                let set = Rc::new(Expr::AttrSet(Rc::new(b), pos));
                Expr::Select(
                    set,
                    vec![AttrName::Static("body".into(), SlotHint::default())].into(),
                    None,
                    pos,
                )
            }
        }))
    }

    /// An indented string, with Nix's rules: escapes are decoded first and take part in the
    /// indentation computation like any other characters; a first line of only spaces is
    /// dropped; the minimum indentation of lines (whitespace-only lines excepted) is removed;
    /// a last line of only spaces is dropped.
    fn lower_ind_str(&mut self, s: &ast::Str) -> Result<Vec<StrPart>> {
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

    fn lower_str_parts(&mut self, s: &ast::Str) -> Result<Vec<StrPart>> {
        let multiline = s.syntax().first_token().is_some_and(|t| t.text() == "''");
        if multiline {
            return self.lower_ind_str(s);
        }
        let mut out = Vec::new();
        for p in s.normalized_parts() {
            match p {
                InterpolPart::Literal(t) => {
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

    fn lower_path(
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

    fn lower_attrpath(&mut self, p: Option<ast::Attrpath>, pos: Pos) -> Result<Box<[AttrName]>> {
        let p = p.ok_or_else(|| self.err("syntax error, missing attribute path", pos))?;
        let mut out = Vec::new();
        for a in p.attrs() {
            out.push(self.lower_attr_name(a)?);
        }
        Ok(out.into())
    }

    pub(crate) fn static_attr_name(&self, a: &ast::Attr) -> Option<Sym> {
        match a {
            ast::Attr::Ident(i) => Some(self.ident_name(i).into()),
            ast::Attr::Str(s) => {
                let mut out = String::new();
                for p in s.normalized_parts() {
                    match p {
                        InterpolPart::Literal(t) => out.push_str(&t),
                        InterpolPart::Interpolation(_) => return None,
                    }
                }
                Some(out.into())
            }
            ast::Attr::Dynamic(d) => match d.expr() {
                Some(ast::Expr::Str(s)) => self.static_attr_name(&ast::Attr::Str(s)),
                _ => None,
            },
        }
    }

    fn lower_attr_name(&mut self, a: ast::Attr) -> Result<AttrName> {
        if let Some(s) = self.static_attr_name(&a) {
            return Ok(AttrName::Static(s, SlotHint::default()));
        }
        let pos = self.pos(&a);
        Ok(AttrName::Dynamic(match a {
            ast::Attr::Dynamic(d) => self.lower_opt(d.expr(), pos)?,
            ast::Attr::Str(s) => self.lower(ast::Expr::Str(s), None)?,
            ast::Attr::Ident(_) => unreachable!("identifiers are static"),
        }))
    }

    fn collect_entries(
        &self,
        entries: impl Iterator<Item = ast::Entry>,
        allow_dynamic: bool,
    ) -> Result<PendingSet> {
        let mut set = PendingSet::default();
        for entry in entries {
            match entry {
                ast::Entry::Inherit(inh) => {
                    // Nix records inherited attributes at the end of the token before the
                    // names: the `inherit` keyword or the `)` closing the source.
                    let names_start = match inh.from() {
                        Some(f) => f.syntax().text_range().end(),
                        None => inh
                            .syntax()
                            .children_with_tokens()
                            .filter_map(|t| t.into_token())
                            .find(|t| t.kind() == rnix::SyntaxKind::TOKEN_INHERIT)
                            .map(|t| t.text_range().end())
                            .unwrap_or_else(|| inh.syntax().text_range().start()),
                    };
                    let attr_pos = Pos {
                        file: self.file,
                        offset: u32::from(names_start),
                    };
                    let from = inh.from().and_then(|f| f.expr());
                    for a in inh.attrs() {
                        let pos = self.pos(&a);
                        let name = self.static_attr_name(&a).ok_or_else(|| {
                            self.err("dynamic attributes not allowed in inherit", pos)
                        })?;
                        let val = match &from {
                            Some(f) => Pending::InheritFrom(f.clone(), name.clone()),
                            None => Pending::Inherit(name.clone(), pos),
                        };
                        self.insert_static(&mut set, name, val, attr_pos, &[], allow_dynamic)?;
                    }
                }
                ast::Entry::AttrpathValue(av) => {
                    let pos = self.pos(&av);
                    let path: Vec<ast::Attr> = av
                        .attrpath()
                        .map(|p| p.attrs().collect())
                        .unwrap_or_default();
                    let value = av
                        .value()
                        .ok_or_else(|| self.err("syntax error, missing value", pos))?;
                    if path.is_empty() {
                        return Err(self.err("syntax error, missing attribute name", pos));
                    }
                    self.insert(&mut set, &path, Pending::Expr(value), pos, allow_dynamic)
                        .map_err(|e| self.name_whole_path(&path, e))?;
                }
            }
        }
        Ok(set)
    }

    fn insert(
        &self,
        set: &mut PendingSet,
        path: &[ast::Attr],
        val: Pending,
        pos: Pos,
        allow_dynamic: bool,
    ) -> Result<()> {
        let first = &path[0];
        match self.static_attr_name(first) {
            Some(name) => self.insert_static(set, name, val, pos, &path[1..], allow_dynamic),
            None => {
                if !allow_dynamic {
                    return Err(self.err("dynamic attributes not allowed in let", pos));
                }
                let name_expr = match first {
                    ast::Attr::Dynamic(d) => {
                        d.expr().ok_or_else(|| self.err("syntax error", pos))?
                    }
                    ast::Attr::Str(s) => ast::Expr::Str(s.clone()),
                    ast::Attr::Ident(_) => unreachable!(),
                };
                let v = if path.len() > 1 {
                    let mut nested = PendingSet::default();
                    self.insert(&mut nested, &path[1..], val, pos, true)?;
                    Pending::Nested(nested)
                } else {
                    val
                };
                set.dynamics.push((name_expr, v, pos));
                Ok(())
            }
        }
    }

    fn literal_set_entries(&self, e: &ast::Expr) -> Option<ast::AttrSet> {
        match e {
            ast::Expr::AttrSet(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn insert_static(
        &self,
        set: &mut PendingSet,
        name: Sym,
        val: Pending,
        pos: Pos,
        rest: &[ast::Attr],
        allow_dynamic: bool,
    ) -> Result<()> {
        let _ = allow_dynamic;
        if let Some(&i) = set.index.get(&name) {
            // Merge into an existing nested set, if both sides are sets.
            let existing = &mut set.statics[i].1;
            if let Pending::Expr(e) = existing {
                if let Some(s) = self.literal_set_entries(e) {
                    let mut nested = self.collect_entries(s.entries(), true)?;
                    nested.recursive = s.rec_token().is_some();
                    *existing = Pending::Nested(nested);
                }
            }
            if let Pending::Nested(nested) = existing {
                if !rest.is_empty() {
                    return self.insert(nested, rest, val, pos, true);
                }
                if let Pending::Expr(e) = &val {
                    if let Some(s) = self
                        .literal_set_entries(e)
                        .filter(|s| s.rec_token().is_none())
                    {
                        for entry in s.entries() {
                            self.merge_entry(nested, entry)?;
                        }
                        return Ok(());
                    }
                }
            }
            return Err(EvalError::msg(
                format!(
                    "attribute '{}' already defined at {}",
                    crate::print::print_attr_name(&name),
                    crate::eval::pos_text_in(self.file_name, self.text, set.statics[i].2.offset)
                ),
                pos,
            ));
        }
        let v = if rest.is_empty() {
            val
        } else {
            let mut nested = PendingSet::default();
            self.insert(&mut nested, rest, val, pos, true)?;
            Pending::Nested(nested)
        };
        set.index.insert(name.clone(), set.statics.len());
        set.statics.push((name, v, pos));
        Ok(())
    }

    /// Nix names a clash found while adding `a.b.c = ...` by that whole path, wherever on
    /// the path the clash is. (Clashes inside a merged literal set are parse errors that
    /// keep their bare name.)
    fn name_whole_path(&self, path: &[ast::Attr], e: EvalError) -> EvalError {
        if e.kind() != ErrorKind::Other {
            return e;
        }
        match e.message().strip_prefix("attribute '") {
            Some(rest) if rest.contains("' already defined at ") => {
                let at = rest
                    .rsplit_once("' already defined at ")
                    .map(|x| x.1)
                    .unwrap_or("");
                EvalError::msg(
                    format!(
                        "attribute '{}' already defined at {at}",
                        self.show_attrpath(path)
                    ),
                    e.pos(),
                )
            }
            _ => e,
        }
    }

    fn merge_entry(&self, set: &mut PendingSet, entry: ast::Entry) -> Result<()> {
        let mut tmp = self.collect_entries(std::iter::once(entry), true)?;
        for (name, v, pos) in tmp.statics.drain(..) {
            if let Some(&i) = set.index.get(&name) {
                // Nix merges a literal set into an existing one a single level deep, and
                // reports a clash the other way round: the bare name, "at" the new
                // definition, located at the earlier one.
                // (A parse error, so that `prefix_duplicate` leaves the bare name alone.)
                return Err(self.err(
                    format!(
                        "attribute '{}' already defined at {}",
                        crate::print::print_attr_name(&name),
                        crate::eval::pos_text_in(self.file_name, self.text, pos.offset)
                    ),
                    set.statics[i].2,
                ));
            }
            self.insert_static(set, name, v, pos, &[], true)?;
        }
        set.dynamics.append(&mut tmp.dynamics);
        Ok(())
    }

    fn lower_pending(&mut self, p: Pending, name: &Sym) -> Result<Rc<Expr>> {
        match p {
            Pending::Expr(e) => self.lower(e, Some(name)),
            Pending::Inherit(n, pos) => Ok(Rc::new(self.lookup(&n, pos)?)),
            Pending::InheritFrom(e, n) => {
                let pos = self.pos(&e);
                let from = self.lower(e, None)?;
                Ok(Rc::new(Expr::Select(
                    from,
                    vec![AttrName::Static(n, SlotHint::default())].into(),
                    None,
                    pos,
                )))
            }
            Pending::Nested(set) => {
                let b = if set.recursive {
                    self.lower_rec_bindings(set, true)?
                } else {
                    self.lower_plain_set(set)?
                };
                Ok(Rc::new(Expr::AttrSet(Rc::new(b), Pos::NONE)))
            }
        }
    }

    fn lower_dynamics(
        &mut self,
        dynamics: Vec<(ast::Expr, Pending, Pos)>,
    ) -> Result<Vec<DynamicBinding>> {
        let mut out = Vec::new();
        for (n, v, pos) in dynamics {
            let name = self.lower(n, None)?;
            let value = self.lower_pending(v, &Sym::from(""))?;
            out.push(DynamicBinding { name, value, pos });
        }
        Ok(out)
    }

    fn lower_plain_set(&mut self, mut set: PendingSet) -> Result<Bindings> {
        sort_statics(&mut set);
        let mut statics = Vec::new();
        for (name, p, pos) in set.statics {
            let value = match p {
                Pending::Inherit(..) => AttrValue::Inherited(self.lower_pending(p, &name)?),
                _ => AttrValue::Plain(self.lower_pending(p, &name)?),
            };
            statics.push(StaticBinding { name, value, pos });
        }
        let dynamics = self.lower_dynamics(set.dynamics)?;
        Ok(Bindings {
            statics,
            dynamics,
            recursive: false,
        })
    }

    fn lower_rec_bindings(&mut self, mut set: PendingSet, allow_dynamic: bool) -> Result<Bindings> {
        sort_statics(&mut set);
        let _ = allow_dynamic;
        let names: HashMap<Sym, u32> = set
            .statics
            .iter()
            .enumerate()
            .map(|(i, (n, _, _))| (n.clone(), i as u32))
            .collect();
        // Inherited names come from the enclosing scope: lower them before entering the frame.
        let mut values: Vec<Option<AttrValue>> = Vec::new();
        let mut rest = Vec::new();
        for (name, p, pos) in set.statics {
            if let Pending::Inherit(..) = p {
                values.push(Some(AttrValue::Inherited(self.lower_pending(p, &name)?)));
                rest.push((name, None, pos));
            } else {
                values.push(None);
                rest.push((name, Some(p), pos));
            }
        }
        self.scopes.push(Scope::Names(names));
        let result = (|| {
            let mut statics = Vec::new();
            for ((name, p, pos), v) in rest.into_iter().zip(values) {
                let value = match (p, v) {
                    (Some(p), _) => AttrValue::Plain(self.lower_pending(p, &name)?),
                    (None, Some(v)) => v,
                    (None, None) => unreachable!(),
                };
                statics.push(StaticBinding { name, value, pos });
            }
            let dynamics = self.lower_dynamics(set.dynamics)?;
            Ok(Bindings {
                statics,
                dynamics,
                recursive: true,
            })
        })();
        self.scopes.pop();
        result
    }

    fn lower_let(
        &mut self,
        mut set: PendingSet,
        body: Option<ast::Expr>,
        pos: Pos,
    ) -> Result<(Bindings, Rc<Expr>)> {
        sort_statics(&mut set);
        let names: HashMap<Sym, u32> = set
            .statics
            .iter()
            .enumerate()
            .map(|(i, (n, _, _))| (n.clone(), i as u32))
            .collect();
        let b = self.lower_rec_bindings(set, false)?;
        self.scopes.push(Scope::Names(names));
        let body = self.lower_opt(body, pos);
        self.scopes.pop();
        Ok((b, body?))
    }

    /// A lambda's body: Nix names a lambda in the body of a named lambda after it too
    /// (`f = x: y: ...` gives both the name 'f' in messages).
    fn lower_lambda_body(
        &mut self,
        body: Option<ast::Expr>,
        pos: Pos,
        name: Option<&Sym>,
    ) -> Result<Rc<Expr>> {
        match body {
            Some(e) => self.lower(e, name),
            None => self.lower_opt(None, pos),
        }
    }

    fn lower_lambda(&mut self, l: ast::Lambda, name: Option<Sym>, pos: Pos) -> Result<LambdaDef> {
        let param = l
            .param()
            .ok_or_else(|| self.err("syntax error, missing lambda parameter", pos))?;
        match param {
            ast::Param::IdentParam(ip) => {
                let arg: Sym = ip
                    .ident()
                    .map(|i| self.ident_name(&i))
                    .unwrap_or_default()
                    .into();
                let mut m = HashMap::new();
                m.insert(arg.clone(), 0);
                self.scopes.push(Scope::Names(m));
                let body = self.lower_lambda_body(l.body(), pos, name.as_ref());
                self.scopes.pop();
                let body = body?;
                let strict_arg = crate::ir::forces_var(&body, 0);
                Ok(LambdaDef {
                    name,
                    arg: Some(arg),
                    formals: None,
                    body,
                    pos,
                    strict_arg,
                })
            }
            ast::Param::Pattern(p) => {
                let mut m = HashMap::new();
                let mut names = Vec::new();
                let mut positions = Vec::new();
                for e in p.pat_entries() {
                    let n: Sym = e
                        .ident()
                        .map(|i| self.ident_name(&i))
                        .unwrap_or_default()
                        .into();
                    if m.insert(n.clone(), names.len() as u32).is_some() {
                        return Err(self.err(
                            format!("duplicate formal function argument '{n}'"),
                            self.pos(&e),
                        ));
                    }
                    positions.push(self.pos(&e));
                    names.push((n, e.default()));
                }
                let arg: Option<Sym> = p
                    .pat_bind()
                    .and_then(|b| b.ident())
                    .map(|i| self.ident_name(&i).into());
                if let Some(a) = &arg {
                    if m.contains_key(a) {
                        return Err(
                            self.err(format!("duplicate formal function argument '{a}'"), pos)
                        );
                    }
                    m.insert(a.clone(), names.len() as u32);
                }
                self.scopes.push(Scope::Names(m));
                let result = (|| {
                    let mut entries = Vec::new();
                    for (n, d) in names {
                        let d = match d {
                            Some(d) => Some(self.lower(d, None)?),
                            None => None,
                        };
                        entries.push((n, d));
                    }
                    let body = self.lower_lambda_body(l.body(), pos, name.as_ref())?;
                    Ok(LambdaDef {
                        name,
                        arg,
                        formals: Some(Formals {
                            entries,
                            positions,
                            ellipsis: p.ellipsis_token().is_some(),
                        }),
                        body,
                        pos,
                        strict_arg: false,
                    })
                })();
                self.scopes.pop();
                result
            }
        }
    }
}

/// How Nix 2.8's grammar names a token of kind `k` whose text is `text` in "unexpected X" and
/// "expecting X": named tokens by their grammar name (`ID`, `IF`, `OR_KW`, ...), single
/// characters quoted. `None` for kinds the grammar has no token for.
fn bison_token_name(k: rnix::SyntaxKind, text: &str) -> Option<String> {
    use rnix::SyntaxKind as K;
    let named = match k {
        K::TOKEN_IDENT | K::TOKEN_CUR_POS => "ID",
        K::TOKEN_IF => "IF",
        K::TOKEN_THEN => "THEN",
        K::TOKEN_ELSE => "ELSE",
        K::TOKEN_ASSERT => "ASSERT",
        K::TOKEN_WITH => "WITH",
        K::TOKEN_LET => "LET",
        K::TOKEN_IN => "IN",
        K::TOKEN_REC => "REC",
        K::TOKEN_INHERIT => "INHERIT",
        K::TOKEN_OR => "OR_KW",
        K::TOKEN_EQUAL => "EQ",
        K::TOKEN_NOT_EQUAL => "NEQ",
        K::TOKEN_AND_AND => "AND",
        K::TOKEN_OR_OR => "OR",
        K::TOKEN_IMPLICATION => "IMPL",
        K::TOKEN_LESS_OR_EQ => "LEQ",
        K::TOKEN_MORE_OR_EQ => "GEQ",
        K::TOKEN_UPDATE => "UPDATE",
        K::TOKEN_CONCAT => "CONCAT",
        K::TOKEN_ELLIPSIS => "ELLIPSIS",
        K::TOKEN_INTERPOL_START => "DOLLAR_CURLY",
        K::TOKEN_INTEGER => "INT",
        K::TOKEN_FLOAT => "FLOAT",
        K::TOKEN_URI => "URI",
        K::TOKEN_PATH_ABS | K::TOKEN_PATH_REL => "PATH",
        K::TOKEN_PATH_HOME => "HPATH",
        K::TOKEN_PATH_SEARCH => "SPATH",
        K::TOKEN_STRING_START if text.starts_with("''") => "IND_STRING_OPEN",
        K::TOKEN_STRING_END if text.starts_with("''") => "IND_STRING_CLOSE",
        K::TOKEN_STRING_START | K::TOKEN_STRING_END => "'\"'",
        K::TOKEN_INTERPOL_END => "'}'",
        K::TOKEN_ADD => "'+'",
        K::TOKEN_SUB => "'-'",
        K::TOKEN_MUL => "'*'",
        K::TOKEN_DIV => "'/'",
        K::TOKEN_LESS => "'<'",
        K::TOKEN_MORE => "'>'",
        K::TOKEN_INVERT => "'!'",
        K::TOKEN_ASSIGN => "'='",
        K::TOKEN_AT => "'@'",
        K::TOKEN_COLON => "':'",
        K::TOKEN_COMMA => "','",
        K::TOKEN_DOT => "'.'",
        K::TOKEN_QUESTION => "'?'",
        K::TOKEN_SEMICOLON => "';'",
        K::TOKEN_L_BRACE => "'{'",
        K::TOKEN_R_BRACE => "'}'",
        K::TOKEN_L_BRACK => "'['",
        K::TOKEN_R_BRACK => "']'",
        K::TOKEN_L_PAREN => "'('",
        K::TOKEN_R_PAREN => "')'",
        // An unterminated `/*` is no comment to Nix's lexer: it reads the `/`.
        K::TOKEN_ERROR | K::TOKEN_COMMENT if text.starts_with('/') => "'/'",
        K::TOKEN_ERROR => {
            return text.chars().next().map(|c| format!("'{c}'"));
        }
        _ => return None,
    };
    Some(named.to_string())
}

/// The grammar name of the first token at or after `offset` in `text`, or "end of file".
fn token_at(text: &str, offset: usize) -> String {
    let mut at = 0;
    for (kind, t) in rnix::tokenize(text) {
        let start = at;
        at += t.len();
        if at <= offset || matches!(kind, rnix::SyntaxKind::TOKEN_WHITESPACE) {
            continue;
        }
        if start < offset {
            // A token that began before the error (inside a string, say): name its rest.
            continue;
        }
        if kind == rnix::SyntaxKind::TOKEN_COMMENT && !t.starts_with("/*") {
            continue;
        }
        if kind == rnix::SyntaxKind::TOKEN_COMMENT && t.ends_with("*/") && t.len() >= 4 {
            continue;
        }
        if let Some(name) = bison_token_name(kind, t) {
            return name;
        }
        if let Some(c) = t.chars().next() {
            return format!("'{c}'");
        }
    }
    "end of file".to_string()
}

/// ", expecting A or B" as Nix's parser would list the tokens it wanted (at most four), from
/// the kinds rnix wanted; nothing when they do not tell.
fn expecting(wanted: &[rnix::SyntaxKind], after: Option<rnix::SyntaxKind>) -> String {
    use rnix::SyntaxKind as K;
    if wanted.is_empty() || wanted.len() > 4 {
        return String::new();
    }
    if wanted.contains(&K::TOKEN_CUR_POS) {
        // An attribute name after `.` or `?`; where a binding may start instead, Nix's
        // grammar accepts more than four tokens and lists none.
        return if matches!(after, Some(K::TOKEN_DOT | K::TOKEN_QUESTION)) {
            ", expecting ID or OR_KW or DOLLAR_CURLY or '\"'".to_string()
        } else {
            String::new()
        };
    }
    let mut names: Vec<String> = Vec::new();
    for k in wanted {
        match bison_token_name(*k, "") {
            Some(n) if !names.contains(&n) => names.push(n),
            Some(_) => {}
            None => return String::new(),
        }
    }
    // An attribute name may also be a string or an interpolation; after a name in a binding
    // the path may go on.
    if names == ["ID", "OR_KW"] {
        names.extend(["DOLLAR_CURLY".to_string(), "'\"'".to_string()]);
    } else if names == ["'='"] {
        names.insert(0, "'.'".to_string());
    }
    format!(", expecting {}", names.join(" or "))
}

/// Where Nix's lexer rejects a path that ends in `/` (not followed by an interpolation), if the
/// text has one.
fn trailing_slash_path(text: &str) -> Option<usize> {
    use rnix::SyntaxKind as K;
    // rnix reads such a path as one error token (`./foo/`, `~/x/`), or, after an
    // interpolation, the final `/` alone. Nix reports the lexeme after it, if any.
    let tokens: Vec<_> = rnix::tokenize(text).collect();
    let mut at = 0;
    let mut in_path = false;
    let mut depth = 0usize;
    for (kind, t) in &tokens {
        let start = at;
        at += t.len();
        let bad = match kind {
            K::TOKEN_PATH_ABS | K::TOKEN_PATH_REL | K::TOKEN_PATH_HOME => {
                in_path = true;
                depth = 0;
                false
            }
            K::TOKEN_INTERPOL_START if in_path => {
                depth += 1;
                false
            }
            K::TOKEN_INTERPOL_END if in_path => {
                depth = depth.saturating_sub(1);
                false
            }
            K::TOKEN_ERROR if in_path && depth == 0 && *t == "/" => true,
            K::TOKEN_ERROR => t.len() > 1 && t.ends_with('/') && t[..t.len() - 1].contains('/'),
            _ => {
                if depth == 0 {
                    in_path = false;
                }
                false
            }
        };
        if bad {
            return Some(if at < text.len() { at } else { start });
        }
    }
    None
}

/// The kind of the last token (not blank, not comment) that ends at or before `offset`.
fn token_before(text: &str, offset: usize) -> Option<rnix::SyntaxKind> {
    use rnix::SyntaxKind as K;
    let (mut at, mut last) = (0, None);
    for (kind, t) in rnix::tokenize(text) {
        at += t.len();
        if at > offset {
            break;
        }
        if !matches!(kind, K::TOKEN_WHITESPACE | K::TOKEN_COMMENT) {
            last = Some(kind);
        }
    }
    last
}

/// What Nix's parser expects at an unexpected end that rnix names nothing for: `:` or `@`
/// after what can only be formals, `')'` when the innermost open bracket is a parenthesis and
/// the text so far ends a complete expression.
/// The flag tells whether the answer overrides the kinds rnix wanted (formals) or applies
/// only when rnix wanted none (the parenthesis).
fn expected_at_end(text: &str) -> Option<(&'static str, bool)> {
    use rnix::SyntaxKind as K;
    let mut open: Vec<K> = Vec::new();
    let mut last = None;
    // Whether the last `{ ... }` closed could be a function's formals (no `=`, `;`, nesting).
    let (mut brace_depth, mut formals_like) = (0usize, false);
    for (kind, _) in rnix::tokenize(text) {
        match kind {
            K::TOKEN_L_BRACE => {
                brace_depth = open.len() + 1;
                formals_like = true;
            }
            K::TOKEN_ASSIGN
            | K::TOKEN_SEMICOLON
            | K::TOKEN_INHERIT
            | K::TOKEN_L_PAREN
            | K::TOKEN_L_BRACK
            | K::TOKEN_STRING_START => formals_like = false,
            _ => {}
        }
        if kind == K::TOKEN_R_BRACE && open.len() != brace_depth {
            formals_like = false;
        }
        match kind {
            K::TOKEN_L_PAREN | K::TOKEN_L_BRACK | K::TOKEN_L_BRACE => open.push(kind),
            K::TOKEN_INTERPOL_START | K::TOKEN_STRING_START => open.push(kind),
            K::TOKEN_R_PAREN
            | K::TOKEN_R_BRACK
            | K::TOKEN_R_BRACE
            | K::TOKEN_INTERPOL_END
            | K::TOKEN_STRING_END => {
                open.pop();
            }
            _ => {}
        }
        if !matches!(kind, K::TOKEN_WHITESPACE | K::TOKEN_COMMENT) {
            last = Some(kind);
        }
    }
    // A list element cannot be a function: there the set is just a set.
    if last == Some(K::TOKEN_R_BRACE) && formals_like && open.last() != Some(&K::TOKEN_L_BRACK) {
        return Some(("':' or '@'", true));
    }
    let ends_expression = matches!(
        last?,
        K::TOKEN_IDENT
            | K::TOKEN_CUR_POS
            | K::TOKEN_OR
            | K::TOKEN_INTEGER
            | K::TOKEN_FLOAT
            | K::TOKEN_PATH_ABS
            | K::TOKEN_PATH_REL
            | K::TOKEN_PATH_HOME
            | K::TOKEN_PATH_SEARCH
            | K::TOKEN_URI
            | K::TOKEN_STRING_END
            | K::TOKEN_R_PAREN
            | K::TOKEN_R_BRACK
            | K::TOKEN_R_BRACE
    );
    (ends_expression && open.last() == Some(&K::TOKEN_L_PAREN)).then_some(("')'", false))
}

/// How the text ends, for errors at its end: where the last lexeme (token, blank or comment)
/// starts, which is where Nix's parser reports an unexpected end, and whether the text ends
/// inside a string (`Some(indented)`, with the offset where that string opened).
fn text_end(text: &str) -> (usize, Option<(bool, usize)>) {
    use rnix::SyntaxKind as K;
    // Open strings and interpolations, innermost last: (is a string, indented, offset).
    let mut open: Vec<(bool, bool, usize)> = Vec::new();
    let (mut at, mut last) = (0, 0);
    for (kind, t) in rnix::tokenize(text) {
        last = at;
        match kind {
            K::TOKEN_STRING_START => open.push((true, t.starts_with("''"), at)),
            K::TOKEN_INTERPOL_START => open.push((false, false, at)),
            K::TOKEN_STRING_END | K::TOKEN_INTERPOL_END => {
                open.pop();
            }
            K::TOKEN_L_BRACE if matches!(open.last(), Some((false, _, _))) => {
                open.push((false, false, at))
            }
            K::TOKEN_R_BRACE if matches!(open.last(), Some((false, _, _))) => {
                open.pop();
            }
            _ => {}
        }
        at += t.len();
    }
    let in_string = match open.last() {
        Some(&(true, indented, start)) => Some((indented, start)),
        _ => None,
    };
    (last, in_string)
}

/// Convert an rnix parse error into an evaluation error.
pub(crate) fn parse_error(e: &rnix::ParseError, file: u32, text: &str) -> EvalError {
    use rnix::ParseError as P;
    let token = |r: &rnix::TextRange| token_at(text, u32::from(r.start()) as usize);
    let (end, in_string) = text_end(text);
    if let Some(at) = trailing_slash_path(text) {
        return EvalError::new(
            ErrorKind::Parse,
            "path has a trailing slash",
            Pos {
                file,
                offset: at as u32,
            },
        );
    }
    // A string left open: Nix's lexer reads to the end and its parser wants the string closed.
    if let Some((indented, start)) = in_string {
        let at = match e {
            P::Unexpected(r) | P::UnexpectedExtra(r) | P::UnexpectedWanted(_, r, _) => {
                u32::from(r.start()) as usize
            }
            _ => text.len(),
        };
        if at >= start {
            let wanted = if indented {
                "IND_STR or DOLLAR_CURLY or IND_STRING_CLOSE"
            } else {
                "'\"'"
            };
            return EvalError::new(
                ErrorKind::Parse,
                format!("syntax error, unexpected end of file, expecting {wanted}"),
                Pos {
                    file,
                    offset: end as u32,
                },
            );
        }
    }
    let (off, msg) = match e {
        P::Unexpected(r) => (
            u32::from(r.start()),
            format!("syntax error, unexpected {}", token(r)),
        ),
        P::UnexpectedExtra(r) => {
            let name = token(r);
            // A second comparison in a row (`a == b == c`) breaks the
            // grammar's non-associativity where many tokens could follow:
            // Nix lists none of them.
            let chained_comparison =
                matches!(name.as_str(), "EQ" | "NEQ" | "'<'" | "'>'" | "LEQ" | "GEQ");
            let expecting = if chained_comparison {
                ""
            } else {
                ", expecting end of file"
            };
            (
                u32::from(r.start()),
                format!("syntax error, unexpected {name}{expecting}"),
            )
        }
        P::UnexpectedWanted(_, r, wanted) => (
            u32::from(r.start()),
            format!(
                "syntax error, unexpected {}{}",
                token(r),
                expecting(wanted, token_before(text, u32::from(r.start()) as usize))
            ),
        ),
        P::UnexpectedDoubleBind(r) => (
            u32::from(r.start()),
            "syntax error, duplicate '@' binding".to_string(),
        ),
        P::DuplicatedArgs(r, n) => (
            u32::from(r.start()),
            format!("duplicate formal function argument '{n}'"),
        ),
        P::UnexpectedEOF => (
            end as u32,
            match expected_at_end(text) {
                Some((wanted, _)) => {
                    format!("syntax error, unexpected end of file, expecting {wanted}")
                }
                None => "syntax error, unexpected end of file".to_string(),
            },
        ),
        P::UnexpectedEOFWanted(wanted) => (
            end as u32,
            match expected_at_end(text) {
                Some((formals, true)) => {
                    format!("syntax error, unexpected end of file, expecting {formals}")
                }
                _ => format!(
                    "syntax error, unexpected end of file{}",
                    expecting(wanted, token_before(text, text.len()))
                ),
            },
        ),
        P::RecursionLimitExceeded => (0, "syntax error, expression nested too deeply".to_string()),
        other => (0, format!("syntax error, {other}")),
    };
    EvalError::new(ErrorKind::Parse, msg, Pos { file, offset: off })
}
