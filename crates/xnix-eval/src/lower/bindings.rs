//! Lowering bindings: attribute sets, `rec`, `let`, `inherit`, nested attribute paths
//! merged as Nix merges them, and the errors for attributes defined twice.

//! Lowering of rnix's syntax tree into the evaluator's IR, resolving variables statically.

use std::collections::HashMap;
use std::rc::Rc;

use rnix::ast::{self, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use super::{Lowerer, Scope};
use crate::error::{ErrorKind, EvalError, Result};
use crate::ir::*;
use crate::value::{Pos, Sym};

impl<'a> Lowerer<'a> {
    pub(super) fn lower_attrpath(
        &mut self,
        p: Option<ast::Attrpath>,
        pos: Pos,
    ) -> Result<Box<[AttrName]>> {
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

    pub(super) fn lower_attr_name(&mut self, a: ast::Attr) -> Result<AttrName> {
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

    pub(super) fn collect_entries(
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

    pub(super) fn insert(
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

    pub(super) fn literal_set_entries(&self, e: &ast::Expr) -> Option<ast::AttrSet> {
        match e {
            ast::Expr::AttrSet(s) => Some(s.clone()),
            _ => None,
        }
    }

    pub(super) fn insert_static(
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
    pub(super) fn name_whole_path(&self, path: &[ast::Attr], e: EvalError) -> EvalError {
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

    pub(super) fn merge_entry(&self, set: &mut PendingSet, entry: ast::Entry) -> Result<()> {
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

    pub(super) fn lower_pending(&mut self, p: Pending, name: &Sym) -> Result<Rc<Expr>> {
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

    pub(super) fn lower_dynamics(
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

    pub(super) fn lower_plain_set(&mut self, mut set: PendingSet) -> Result<Bindings> {
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

    pub(super) fn lower_rec_bindings(
        &mut self,
        mut set: PendingSet,
        allow_dynamic: bool,
    ) -> Result<Bindings> {
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

    pub(super) fn lower_let(
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
}

pub(super) enum Pending {
    Expr(ast::Expr),
    Inherit(Sym, Pos),
    InheritFrom(ast::Expr, Sym),
    Nested(PendingSet),
}

#[derive(Default)]
pub(super) struct PendingSet {
    statics: Vec<(Sym, Pending, Pos)>,
    index: HashMap<Sym, usize>,
    dynamics: Vec<(ast::Expr, Pending, Pos)>,
    /// A `rec { }` literal merged with attribute paths stays recursive.
    recursive: bool,
}

pub(super) fn sort_statics(set: &mut PendingSet) {
    set.statics.sort_by(|a, b| a.0.cmp(&b.0));
    set.index.clear();
}
