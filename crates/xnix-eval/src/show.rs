//! Expressions written back as text the way Nix 2.8 shows its parsed syntax tree in
//! messages (`assertion '(x == 1)' failed`, `attribute 'a."${x}"' already defined`).
//!
//! Nix does not print the source text but its desugared tree: every operator is wrapped in
//! parentheses, arithmetic and comparisons are calls of `__sub`, `__lessThan`, ...,
//! selections put their subject in parentheses and curried applications are one call.

use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use crate::lower::Lowerer;
use crate::path::canon_path;
use crate::print::print_attr_name;

/// A string literal as Nix shows one: double quotes, with `"`, `\`, `$`, newlines,
/// carriage returns and tabs escaped.
fn show_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as a C++ stream writes it by default (`%g` with six significant digits).
fn show_float(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let exp = f.abs().log10().floor() as i32;
    // Rounding to six digits may carry into the next power of ten.
    let rounded: f64 = format!("{:.5e}", f).parse().unwrap_or(f);
    let exp = if rounded.abs() >= 10f64.powi(exp + 1) {
        exp + 1
    } else {
        exp
    };
    let trim = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if !(-4..6).contains(&exp) {
        let m = format!("{:.5e}", f);
        let (mant, e) = m.split_once('e').unwrap_or((&m, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", trim(mant.to_string()), sign, e.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        trim(format!("{:.*}", decimals, f))
    }
}

impl Lowerer<'_> {
    /// The text Nix shows for an expression.
    pub(crate) fn show(&self, e: &ast::Expr) -> String {
        let mut out = String::new();
        self.show_into(e, &mut out);
        out
    }

    fn show_opt(&self, e: Option<ast::Expr>, out: &mut String) {
        if let Some(e) = e {
            self.show_into(&e, out);
        }
    }

    /// An attribute path: names as identifiers or quoted, dynamic parts as `"${e}"`.
    pub(crate) fn show_attrpath<'b>(
        &self,
        attrs: impl IntoIterator<Item = &'b ast::Attr>,
    ) -> String {
        let mut out = String::new();
        for (i, a) in attrs.into_iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            match self.static_attr_name(a) {
                Some(name) => out.push_str(&print_attr_name(&name)),
                None => {
                    out.push_str("\"${");
                    match a {
                        ast::Attr::Dynamic(d) => self.show_opt(d.expr(), &mut out),
                        ast::Attr::Str(s) => self.show_into(&ast::Expr::Str(s.clone()), &mut out),
                        ast::Attr::Ident(_) => {}
                    }
                    out.push_str("}\"");
                }
            }
        }
        out
    }

    fn show_path(&self, a: Option<ast::Attrpath>) -> String {
        let attrs: Vec<ast::Attr> = a.map(|p| p.attrs().collect()).unwrap_or_default();
        self.show_attrpath(&attrs)
    }

    fn show_call(&self, f: &str, args: &[Option<ast::Expr>], out: &mut String) {
        out.push('(');
        out.push_str(f);
        for a in args {
            out.push(' ');
            self.show_opt(a.clone(), out);
        }
        out.push(')');
    }

    fn show_bindings(&self, entries: impl Iterator<Item = ast::Entry>, out: &mut String) {
        for entry in entries {
            match entry {
                ast::Entry::Inherit(inh) => {
                    let from = inh.from().and_then(|f| f.expr());
                    for a in inh.attrs() {
                        if let Some(n) = self.static_attr_name(&a) {
                            match &from {
                                // `inherit (e) x` is the binding `x = (e).x`.
                                Some(f) => {
                                    out.push_str(&print_attr_name(&n));
                                    out.push_str(" = (");
                                    self.show_into(f, out);
                                    out.push_str(").");
                                    out.push_str(&print_attr_name(&n));
                                    out.push_str("; ");
                                }
                                None => {
                                    out.push_str("inherit ");
                                    out.push_str(&n);
                                    out.push_str(" ; ");
                                }
                            }
                        }
                    }
                }
                ast::Entry::AttrpathValue(av) => {
                    out.push_str(&self.show_path(av.attrpath()));
                    out.push_str(" = ");
                    self.show_opt(av.value(), out);
                    out.push_str("; ");
                }
            }
        }
    }

    fn show_into(&self, e: &ast::Expr, out: &mut String) {
        match e {
            ast::Expr::Paren(p) => self.show_opt(p.expr(), out),
            ast::Expr::Root(r) => self.show_opt(r.expr(), out),
            ast::Expr::Literal(l) => match l.kind() {
                ast::LiteralKind::Integer(i) => match i.value() {
                    Ok(v) => out.push_str(&v.to_string()),
                    Err(_) => out.push_str(i.syntax().text()),
                },
                ast::LiteralKind::Float(f) => match f.value() {
                    Ok(v) => out.push_str(&show_float(v)),
                    Err(_) => out.push_str(f.syntax().text()),
                },
                ast::LiteralKind::Uri(u) => show_string(u.syntax().text(), out),
            },
            ast::Expr::Ident(id) => out.push_str(&self.ident_name(id)),
            ast::Expr::CurPos(_) => out.push_str("__curPos"),
            ast::Expr::Str(s) => {
                let parts = s.normalized_parts();
                let interpolated = parts
                    .iter()
                    .any(|p| matches!(p, InterpolPart::Interpolation(_)));
                if !interpolated {
                    let mut text = String::new();
                    for p in parts {
                        if let InterpolPart::Literal(t) = p {
                            text.push_str(&t);
                        }
                    }
                    show_string(&text, out);
                } else {
                    out.push('(');
                    let mut first = true;
                    for p in parts {
                        match p {
                            InterpolPart::Literal(t) if t.is_empty() => continue,
                            _ if first => first = false,
                            _ => out.push_str(" + "),
                        }
                        match p {
                            InterpolPart::Literal(t) => show_string(&t, out),
                            InterpolPart::Interpolation(i) => self.show_opt(i.expr(), out),
                        }
                    }
                    out.push(')');
                }
            }
            ast::Expr::PathAbs(_) | ast::Expr::PathRel(_) | ast::Expr::PathHome(_) => {
                let text = e.syntax().text().to_string();
                if text.contains("${") {
                    out.push_str(&text);
                } else if let Some(rest) = text.strip_prefix('~') {
                    let home = std::env::var("HOME").unwrap_or_else(|_| "/".to_string());
                    out.push_str(&canon_path(&format!("{home}{rest}")));
                } else if text.starts_with('/') {
                    out.push_str(&canon_path(&text));
                } else {
                    out.push_str(&canon_path(&format!("{}/{text}", self.base_dir)));
                }
            }
            ast::Expr::PathSearch(p) => {
                let text = p.syntax().text().to_string();
                let inner = text.trim_start_matches('<').trim_end_matches('>');
                out.push_str("(__findFile __nixPath ");
                show_string(inner, out);
                out.push(')');
            }
            ast::Expr::List(l) => {
                out.push_str("[ ");
                for item in l.items() {
                    out.push('(');
                    self.show_into(&item, out);
                    out.push_str(") ");
                }
                out.push(']');
            }
            ast::Expr::Lambda(l) => {
                out.push('(');
                let param = l.param();
                let mut arg_name = None;
                match param {
                    Some(ast::Param::IdentParam(i)) => {
                        arg_name = i.ident().map(|id| self.ident_name(&id));
                    }
                    Some(ast::Param::Pattern(p)) => {
                        let mut formals: Vec<(String, Option<ast::Expr>)> = p
                            .pat_entries()
                            .filter_map(|f| f.ident().map(|id| (self.ident_name(&id), f.default())))
                            .collect();
                        formals.sort_by(|a, b| a.0.cmp(&b.0));
                        out.push_str("{ ");
                        let mut first = true;
                        for (name, def) in formals {
                            if !first {
                                out.push_str(", ");
                            }
                            first = false;
                            out.push_str(&name);
                            if let Some(d) = def {
                                out.push_str(" ? ");
                                self.show_into(&d, out);
                            }
                        }
                        if p.ellipsis_token().is_some() {
                            if !first {
                                out.push_str(", ");
                            }
                            out.push_str("...");
                        }
                        out.push_str(" }");
                        arg_name = p
                            .pat_bind()
                            .and_then(|b| b.ident())
                            .map(|id| self.ident_name(&id));
                        if arg_name.is_some() {
                            out.push_str(" @ ");
                        }
                    }
                    None => {}
                }
                if let Some(a) = arg_name {
                    out.push_str(&a);
                }
                out.push_str(": ");
                self.show_opt(l.body(), out);
                out.push(')');
            }
            ast::Expr::Apply(a) => {
                // `f a b` is one call with two arguments.
                let mut args = vec![a.argument()];
                let mut f = a.lambda();
                while let Some(ast::Expr::Apply(inner)) = f.clone() {
                    args.push(inner.argument());
                    f = inner.lambda();
                }
                args.reverse();
                let mut head = String::new();
                self.show_opt(f, &mut head);
                self.show_call(&head, &args, out);
            }
            ast::Expr::Assert(a) => {
                out.push_str("assert ");
                self.show_opt(a.condition(), out);
                out.push_str("; ");
                self.show_opt(a.body(), out);
            }
            ast::Expr::IfElse(i) => {
                out.push_str("(if ");
                self.show_opt(i.condition(), out);
                out.push_str(" then ");
                self.show_opt(i.body(), out);
                out.push_str(" else ");
                self.show_opt(i.else_body(), out);
                out.push(')');
            }
            ast::Expr::Select(s) => {
                out.push('(');
                self.show_opt(s.expr(), out);
                out.push_str(").");
                out.push_str(&self.show_path(s.attrpath()));
                if let Some(d) = s.default_expr() {
                    out.push_str(" or (");
                    self.show_into(&d, out);
                    out.push(')');
                }
            }
            ast::Expr::HasAttr(h) => {
                out.push_str("((");
                self.show_opt(h.expr(), out);
                out.push_str(") ? ");
                out.push_str(&self.show_path(h.attrpath()));
                out.push(')');
            }
            ast::Expr::With(w) => {
                out.push_str("(with ");
                self.show_opt(w.namespace(), out);
                out.push_str("; ");
                self.show_opt(w.body(), out);
                out.push(')');
            }
            ast::Expr::UnaryOp(u) => match u.operator() {
                Some(ast::UnaryOpKind::Invert) => {
                    out.push_str("(! ");
                    self.show_opt(u.expr(), out);
                    out.push(')');
                }
                _ => {
                    out.push_str("(__sub 0 ");
                    self.show_opt(u.expr(), out);
                    out.push(')');
                }
            },
            ast::Expr::BinOp(b) => {
                use ast::BinOpKind as K;
                let (l, r) = (b.lhs(), b.rhs());
                let infix = |op: &str, out: &mut String| {
                    out.push('(');
                    self.show_opt(l.clone(), out);
                    out.push(' ');
                    out.push_str(op);
                    out.push(' ');
                    self.show_opt(r.clone(), out);
                    out.push(')');
                };
                match b.operator() {
                    Some(K::Add) => infix("+", out),
                    Some(K::And) => infix("&&", out),
                    Some(K::Or) => infix("||", out),
                    Some(K::Implication) => infix("->", out),
                    Some(K::Concat) => infix("++", out),
                    Some(K::Update) => infix("//", out),
                    Some(K::Equal) => infix("==", out),
                    Some(K::NotEqual) => infix("!=", out),
                    Some(K::Sub) => self.show_call("__sub", &[l, r], out),
                    Some(K::Mul) => self.show_call("__mul", &[l, r], out),
                    Some(K::Div) => self.show_call("__div", &[l, r], out),
                    Some(K::Less) => self.show_call("__lessThan", &[l, r], out),
                    Some(K::More) => self.show_call("__lessThan", &[r, l], out),
                    Some(K::LessOrEq) => {
                        out.push_str("(! ");
                        self.show_call("__lessThan", &[r, l], out);
                        out.push(')');
                    }
                    Some(K::MoreOrEq) => {
                        out.push_str("(! ");
                        self.show_call("__lessThan", &[l, r], out);
                        out.push(')');
                    }
                    _ => out.push_str(&e.syntax().text().to_string()),
                }
            }
            ast::Expr::AttrSet(s) => {
                if s.rec_token().is_some() {
                    out.push_str("rec ");
                }
                out.push_str("{ ");
                self.show_bindings(s.entries(), out);
                out.push('}');
            }
            ast::Expr::LetIn(l) => {
                out.push_str("(let ");
                self.show_bindings(l.entries(), out);
                out.push_str("in ");
                self.show_opt(l.body(), out);
                out.push(')');
            }
            _ => out.push_str(&e.syntax().text().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::show_float;

    #[test]
    fn floats_print_as_a_cpp_stream_does() {
        assert_eq!(show_float(1.5), "1.5");
        assert_eq!(show_float(3.0), "3");
        assert_eq!(show_float(0.1), "0.1");
        assert_eq!(show_float(1e10), "1e+10");
        assert_eq!(show_float(123456.7), "123457");
        assert_eq!(show_float(1234567.0), "1.23457e+06");
        assert_eq!(show_float(0.0001), "0.0001");
        assert_eq!(show_float(0.00001), "1e-05");
        assert_eq!(show_float(999999.5), "1e+06");
    }
}
