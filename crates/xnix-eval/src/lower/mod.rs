//! Lowering of rnix's syntax tree into the evaluator's IR, resolving variables statically.
//! Expressions, scopes and functions are lowered here; `bindings` lowers sets and `let`,
//! `strings` strings and paths, and `syntax_error` words parse errors as Nix 2.8 does.

mod bindings;
mod strings;
mod syntax_error;

use std::collections::HashMap;
use std::rc::Rc;

use rnix::ast::{self, AstToken, HasEntry};
use rowan::ast::AstNode;

use crate::error::{ErrorKind, EvalError, Result};
use crate::ir::*;
use crate::value::{Pos, Sym, Value};

use strings::home_dir;
pub(crate) use syntax_error::parse_error;

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
    /// Whether the native stack is nearly used up (lowering recurses with the nesting).
    pub stack_low: &'a dyn Fn() -> bool,
}

/// The error for source nested too deeply to parse or lower on the stack there is.
pub(crate) const TOO_DEEP: &str = "stack overflow (expression nested too deeply)";

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
        if (self.stack_low)() {
            return Err(self.err(TOO_DEEP, pos));
        }
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
            ast::Expr::BinOp(b)
                if matches!(
                    b.operator(),
                    Some(ast::BinOpKind::Concat | ast::BinOpKind::Update)
                ) =>
            {
                self.lower_chain(b, pos)?
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

    /// A lambda's body: Nix names a lambda in the body of a named lambda after it too
    /// (`f = x: y: ...` gives both the name 'f' in messages).
    /// `a ++ b ++ ...` or `a // b // ...`: the right-nested operands of one operator are
    /// collected without recursion; chains of four or more become one `Expr::Chain`.
    fn lower_chain(&mut self, first: ast::BinOp, pos: Pos) -> Result<Expr> {
        let kind = first.operator();
        let op = match kind {
            Some(ast::BinOpKind::Concat) => BinOp::Concat,
            _ => BinOp::Update,
        };
        let mut operands = Vec::new();
        let mut positions = vec![pos];
        let mut link = first;
        let last = loop {
            let link_pos = *positions.last().expect("one position per link");
            operands.push(self.lower_opt(link.lhs(), link_pos)?);
            match link.rhs() {
                Some(ast::Expr::BinOp(next)) if next.operator() == kind => {
                    positions.push(self.pos(&next));
                    link = next;
                }
                rhs => break self.lower_opt(rhs, link_pos)?,
            }
        };
        // The last pair: `x // y` as a plain operator.
        let pair_pos = positions.pop().expect("one position per link");
        let x = operands.pop().expect("one operand per link");
        let pair = Expr::BinOp(op, x, last, pair_pos);
        if operands.len() < 2 {
            // Too short to be worth a chain: nested as written.
            let mut rest = pair;
            for (a, p) in operands.into_iter().zip(positions).rev() {
                rest = Expr::BinOp(op, a, Rc::new(rest), p);
            }
            return Ok(rest);
        }
        operands.push(Rc::new(pair));
        positions.push(pair_pos);
        Ok(Expr::Chain(op, operands.into(), positions.into()))
    }

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
