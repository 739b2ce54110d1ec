//! The parser: Nix source text to an rnix syntax tree, in time linear in the input.
//!
//! rnix's own parser builds its tree through rowan's interning node cache. Interned nodes
//! are rehashed recursively whenever the cache grows, so a deep chain of small nodes
//! (`- - - 1`, `[[[1]]]`, `1+1+1` written without blanks) costs time quadratic in its
//! length, and its right-associative operators and prefix operators recurse once per
//! operand. This parser reads rnix's tokens (from `tokenize`, which gives them in linear time) and builds the same tree (node for node and
//! token for token, so rnix's typed AST and everything lowered from it stay as they were)
//! but builds each node directly, without the cache; chains of one operator are loops,
//! and only real nesting (parentheses, lists, sets, functions) recurses. Before each
//! nested expression it asks whether the native stack has room: a file nested too deeply
//! for the stack is an error, not a crash.
//!
//! Errors: parsing stops at the first error and reports it as rnix does (the same
//! `ParseError` for the same input), so that `lower::syntax_error` words it as Nix 2.8.
//!
//! Architecture Invariant: for every input, `parse` gives the tree rnix gives when rnix
//! finds no error, and rnix's first error when it finds one (checked over the eval corpus,
//! the package collection and nixpkgs' lib by the `parser_matches_rnix` test).

use rnix::SyntaxKind::{self, *};
use rnix::{ParseError, TextRange, TextSize};
use rowan::{GreenNode, GreenToken, Language, NodeOrToken};

/// Why parsing stopped.
#[derive(Debug)]
pub(crate) enum ParseFailure {
    /// A syntax error, as rnix reports it.
    Syntax(ParseError),
    /// The expression is nested too deeply for the stack; the byte offset where.
    TooDeep(u32),
}

type Step<T> = std::result::Result<T, ParseFailure>;

/// Parse `text` into rnix's tree. `stack_low` says whether the native stack is nearly
/// used up (checked before each nested expression).
pub(crate) fn parse(text: &str, stack_low: &dyn Fn() -> bool) -> Step<rnix::Root> {
    let tokens: Vec<(SyntaxKind, &str)> = crate::tokenize::tokenize(text);
    let mut p = Parser {
        tokens: &tokens,
        next: 0,
        pending_trivia: 0,
        consumed: 0,
        children: Vec::new(),
        open: Vec::new(),
        stack_low,
    };
    p.start_node(NODE_ROOT, false);
    p.expr()?;
    p.eat_trivia();
    if p.peek().is_some() {
        p.eat_trivia();
        let start = p.consumed;
        while p.peek().is_some() {
            p.bump()?;
        }
        return Err(p.error(ParseError::UnexpectedExtra(range(start, p.consumed))));
    }
    p.eat_trivia();
    p.finish_node();
    let root = match p.children.pop() {
        Some(NodeOrToken::Node(n)) => n,
        _ => unreachable!("the root node is the one child left"),
    };
    let syntax = rnix::SyntaxNode::new_root(root);
    Ok(rowan::ast::AstNode::cast(syntax).expect("the root node is a Root"))
}

fn range(start: u32, end: u32) -> TextRange {
    TextRange::new(TextSize::from(start), TextSize::from(end))
}

/// A checkpoint: where in the open node's children a node may later start.
#[derive(Clone, Copy)]
struct Mark(usize);

struct Parser<'t, 's> {
    tokens: &'t [(SyntaxKind, &'s str)],
    /// The first token not yet consumed (emitted or held as pending trivia).
    next: usize,
    /// Trivia consumed by looking ahead but not yet emitted: the tokens just before `next`.
    pending_trivia: usize,
    /// Bytes emitted so far (the offset of the first pending token).
    consumed: u32,
    /// Children of the open nodes, innermost last.
    children: Vec<NodeOrToken<GreenNode, GreenToken>>,
    /// The open nodes: kind and index of their first child in `children`.
    open: Vec<(SyntaxKind, usize)>,
    stack_low: &'t dyn Fn() -> bool,
}

const SIMPLE_START: [SyntaxKind; 6] = [
    TOKEN_L_PAREN,
    TOKEN_REC,
    TOKEN_L_BRACE,
    TOKEN_L_BRACK,
    TOKEN_STRING_START,
    TOKEN_IDENT,
];

/// How a binary precedence level groups.
#[derive(Clone, Copy, PartialEq)]
enum Assoc {
    Left,
    Right,
    None,
}

/// The binary operator levels, loosest first; the level after the last is `!`/`+`...
/// handled by `unary_levels`.
const BINARY: [(Assoc, &[SyntaxKind]); 8] = [
    (Assoc::Right, &[TOKEN_PIPE_LEFT]),
    (Assoc::Left, &[TOKEN_PIPE_RIGHT]),
    (Assoc::Right, &[TOKEN_IMPLICATION]),
    (Assoc::Left, &[TOKEN_OR_OR]),
    (Assoc::Left, &[TOKEN_AND_AND]),
    (Assoc::None, &[TOKEN_EQUAL, TOKEN_NOT_EQUAL]),
    (
        Assoc::None,
        &[TOKEN_LESS, TOKEN_LESS_OR_EQ, TOKEN_MORE, TOKEN_MORE_OR_EQ],
    ),
    (Assoc::Right, &[TOKEN_UPDATE]),
];

/// The levels below `!`: addition, multiplication, concatenation.
const ARITH: [(Assoc, &[SyntaxKind]); 3] = [
    (Assoc::Left, &[TOKEN_ADD, TOKEN_SUB]),
    (Assoc::Left, &[TOKEN_MUL, TOKEN_DIV]),
    (Assoc::Right, &[TOKEN_CONCAT]),
];

fn raw(kind: SyntaxKind) -> rowan::SyntaxKind {
    rnix::NixLanguage::kind_to_raw(kind)
}

fn is_fn_arg(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        TOKEN_REC
            | TOKEN_L_BRACE
            | TOKEN_L_BRACK
            | TOKEN_L_PAREN
            | TOKEN_STRING_START
            | TOKEN_IDENT
            | TOKEN_CUR_POS
    ) || kind.is_literal()
}

impl Parser<'_, '_> {
    // --- tokens and the tree under construction ---

    /// The next significant token's kind; trivia before it become pending.
    fn peek(&mut self) -> Option<SyntaxKind> {
        while let Some(&(kind, _)) = self.tokens.get(self.next) {
            if !kind.is_trivia() {
                return Some(kind);
            }
            self.next += 1;
            self.pending_trivia += 1;
        }
        None
    }

    /// The kind of the `n`th significant token from here (0 = the next), without consuming.
    fn peek_ahead(&self, n: usize) -> Option<SyntaxKind> {
        self.tokens[self.next..]
            .iter()
            .map(|&(k, _)| k)
            .filter(|k| !k.is_trivia())
            .nth(n)
    }

    fn emit(&mut self, kind: SyntaxKind, text: &str) {
        self.consumed += text.len() as u32;
        self.children
            .push(NodeOrToken::Token(GreenToken::new(raw(kind), text)));
    }

    /// Emit the pending trivia into the open node.
    fn drain_trivia(&mut self) {
        let first = self.next - self.pending_trivia;
        for i in first..self.next {
            let (kind, text) = self.tokens[i];
            self.emit(kind, text);
        }
        self.pending_trivia = 0;
    }

    fn eat_trivia(&mut self) {
        self.peek();
        self.drain_trivia();
    }

    /// Consume the next raw token: trivia become pending, anything else is emitted (after
    /// the pending trivia). At the end of the input this is rnix's "unexpected end of file".
    fn bump(&mut self) -> Step<()> {
        let Some(&(kind, text)) = self.tokens.get(self.next) else {
            return Err(self.error(ParseError::UnexpectedEOF));
        };
        if kind.is_trivia() {
            self.pending_trivia += 1;
        } else {
            self.drain_trivia();
            self.emit(kind, text);
        }
        self.next += 1;
        Ok(())
    }

    /// Consume the next raw token as a token of `kind` (identifiers made of keywords).
    fn bump_as(&mut self, kind: SyntaxKind) {
        debug_assert_eq!(
            self.pending_trivia, 0,
            "trivia are eaten before a node starts"
        );
        let (_, text) = self.tokens[self.next];
        self.next += 1;
        self.emit(kind, text);
    }

    fn mark(&mut self) -> Mark {
        self.eat_trivia();
        Mark(self.children.len())
    }

    fn start_node(&mut self, kind: SyntaxKind, eat_trivia: bool) {
        if eat_trivia {
            self.eat_trivia();
        }
        self.open.push((kind, self.children.len()));
    }

    fn start_node_at(&mut self, mark: Mark, kind: SyntaxKind) {
        self.open.push((kind, mark.0));
    }

    fn finish_node(&mut self) {
        let (kind, first) = self.open.pop().expect("a node is open");
        let node = GreenNode::new(raw(kind), self.children.drain(first..));
        self.children.push(NodeOrToken::Node(node));
    }

    fn error(&self, e: ParseError) -> ParseFailure {
        ParseFailure::Syntax(e)
    }

    fn room(&self) -> Step<()> {
        if (self.stack_low)() {
            return Err(ParseFailure::TooDeep(self.consumed));
        }
        Ok(())
    }

    /// The next significant token if it is one of `allowed`; otherwise rnix's error, which
    /// spans the tokens up to the next allowed one.
    fn expect_any(&mut self, allowed: &[SyntaxKind]) -> Step<SyntaxKind> {
        match self.peek() {
            None => Err(self.error(ParseError::UnexpectedEOFWanted(allowed.into()))),
            Some(kind) if allowed.contains(&kind) => Ok(kind),
            Some(kind) => {
                self.eat_trivia();
                let start = self.consumed;
                // rnix skips tokens up to the next allowed one (at least one); the error
                // spans them.
                let mut last = self.next;
                loop {
                    let mut after = last + 1;
                    while self.tokens.get(after).is_some_and(|t| t.0.is_trivia()) {
                        after += 1;
                    }
                    match self.tokens.get(after) {
                        Some((k, _)) if !allowed.contains(k) => last = after,
                        _ => break,
                    }
                }
                let skipped: usize = self.tokens[self.next..=last]
                    .iter()
                    .map(|(_, t)| t.len())
                    .sum();
                let end = start + skipped as u32;
                Err(self.error(ParseError::UnexpectedWanted(
                    kind,
                    range(start, end),
                    allowed.into(),
                )))
            }
        }
    }

    fn expect(&mut self, kind: SyntaxKind) -> Step<()> {
        self.expect_any(&[kind])?;
        self.bump()
    }

    fn expect_ident(&mut self) -> Step<()> {
        self.expect_any(&[TOKEN_IDENT])?;
        self.start_node(NODE_IDENT, true);
        self.bump()?;
        self.finish_node();
        Ok(())
    }

    // --- the grammar ---

    /// A whole expression: `let`, `with`, `if`, `assert` or an operator expression.
    fn expr(&mut self) -> Step<Mark> {
        self.room()?;
        match self.peek() {
            Some(TOKEN_LET) => {
                let m = self.mark();
                self.bump()?;
                if self.peek() == Some(TOKEN_L_BRACE) {
                    self.start_node_at(m, NODE_LEGACY_LET);
                    self.bump()?;
                    self.set_body(TOKEN_R_BRACE)?;
                } else {
                    self.start_node_at(m, NODE_LET_IN);
                    self.set_body(TOKEN_IN)?;
                    self.expr()?;
                }
                self.finish_node();
                Ok(m)
            }
            Some(kind @ (TOKEN_WITH | TOKEN_ASSERT)) => {
                let m = self.mark();
                let node = if kind == TOKEN_WITH {
                    NODE_WITH
                } else {
                    NODE_ASSERT
                };
                self.start_node(node, true);
                self.bump()?;
                self.expr()?;
                self.expect(TOKEN_SEMICOLON)?;
                self.expr()?;
                self.finish_node();
                Ok(m)
            }
            Some(TOKEN_IF) => {
                let m = self.mark();
                self.start_node(NODE_IF_ELSE, true);
                self.bump()?;
                self.expr()?;
                self.expect(TOKEN_THEN)?;
                self.expr()?;
                self.expect(TOKEN_ELSE)?;
                self.expr()?;
                self.finish_node();
                Ok(m)
            }
            _ => self.binary(0),
        }
    }

    /// Binary operator level `level` of `BINARY` (then `!`, then `ARITH`).
    fn binary(&mut self, level: usize) -> Step<Mark> {
        let Some(&(assoc, ops)) = BINARY.get(level) else {
            return self.invert();
        };
        self.operators(assoc, ops, &mut |p| p.binary(level + 1))
    }

    fn arith(&mut self, level: usize) -> Step<Mark> {
        let Some(&(assoc, ops)) = ARITH.get(level) else {
            return self.has_attr();
        };
        self.operators(assoc, ops, &mut |p| p.arith(level + 1))
    }

    /// Operands of one precedence level joined by `ops`, grouped as `assoc` says; a loop
    /// whichever way they group.
    fn operators(
        &mut self,
        assoc: Assoc,
        ops: &[SyntaxKind],
        operand: &mut dyn FnMut(&mut Self) -> Step<Mark>,
    ) -> Step<Mark> {
        let first = operand(self)?;
        let is_op = |p: &mut Self| p.peek().is_some_and(|t| ops.contains(&t));
        match assoc {
            Assoc::None => {
                if is_op(self) {
                    self.start_node_at(first, NODE_BIN_OP);
                    self.bump()?;
                    operand(self)?;
                    self.finish_node();
                }
            }
            Assoc::Left => {
                while is_op(self) {
                    self.start_node_at(first, NODE_BIN_OP);
                    self.bump()?;
                    operand(self)?;
                    self.finish_node();
                }
            }
            Assoc::Right => {
                // `a ++ b ++ c` is `a ++ (b ++ c)`: each operator opens a node at its left
                // operand that closes after the last operand.
                let mut left = first;
                let mut open = 0;
                while is_op(self) {
                    self.start_node_at(left, NODE_BIN_OP);
                    self.bump()?;
                    open += 1;
                    left = operand(self)?;
                }
                for _ in 0..open {
                    self.finish_node();
                }
            }
        }
        Ok(first)
    }

    /// A run of the prefix operator `op` (`!` or `-`), each one a node around the rest.
    fn prefixed(
        &mut self,
        op: SyntaxKind,
        operand: &mut dyn FnMut(&mut Self) -> Step<Mark>,
    ) -> Step<Mark> {
        let mut first = None;
        let mut open = 0;
        while self.peek() == Some(op) {
            let m = self.mark();
            first.get_or_insert(m);
            self.start_node(NODE_UNARY_OP, true);
            self.bump()?;
            open += 1;
        }
        let inner = operand(self)?;
        for _ in 0..open {
            self.finish_node();
        }
        Ok(first.unwrap_or(inner))
    }

    fn invert(&mut self) -> Step<Mark> {
        self.prefixed(TOKEN_INVERT, &mut |p| p.arith(0))
    }

    /// `e ? a.b ? c`.
    fn has_attr(&mut self) -> Step<Mark> {
        let m = self.prefixed(TOKEN_SUB, &mut |p| p.apply())?;
        while self.peek() == Some(TOKEN_QUESTION) {
            self.start_node_at(m, NODE_HAS_ATTR);
            self.bump()?;
            self.attrpath()?;
            self.finish_node();
        }
        Ok(m)
    }

    /// Function application: `f a b`.
    fn apply(&mut self) -> Step<Mark> {
        let m = self.simple()?;
        while self.peek().is_some_and(is_fn_arg) {
            self.start_node_at(m, NODE_APPLY);
            self.simple()?;
            self.finish_node();
        }
        Ok(m)
    }

    /// A simple expression (literal, name, string, path, list, set, parenthesised
    /// expression, function) with its selections (`.a.b or d`).
    fn simple(&mut self) -> Step<Mark> {
        self.room()?;
        let Some(kind) = self.peek() else {
            return Err(self.error(ParseError::UnexpectedEOF));
        };
        let m = self.mark();
        match kind {
            TOKEN_L_PAREN => {
                self.start_node(NODE_PAREN, true);
                self.bump()?;
                self.expr()?;
                // rnix takes whatever token comes here as the closing parenthesis.
                self.bump()?;
                self.finish_node();
            }
            TOKEN_REC => {
                self.start_node(NODE_ATTR_SET, true);
                self.bump()?;
                self.expect(TOKEN_L_BRACE)?;
                self.set_body(TOKEN_R_BRACE)?;
                self.finish_node();
            }
            TOKEN_L_BRACE => {
                let looks_like_pattern = matches!(
                    (self.peek_ahead(1), self.peek_ahead(2)),
                    (
                        Some(TOKEN_IDENT),
                        Some(TOKEN_COMMA | TOKEN_QUESTION | TOKEN_R_BRACE)
                    ) | (Some(TOKEN_ELLIPSIS), Some(TOKEN_R_BRACE))
                        | (Some(TOKEN_R_BRACE), Some(TOKEN_COLON | TOKEN_AT))
                );
                if looks_like_pattern {
                    self.start_node(NODE_LAMBDA, true);
                    self.start_node(NODE_PATTERN, true);
                    self.bump()?;
                    self.pattern(false)?;
                    self.finish_node();
                    self.expect(TOKEN_COLON)?;
                    self.expr()?;
                    self.finish_node();
                } else {
                    self.start_node(NODE_ATTR_SET, true);
                    self.bump()?;
                    self.set_body(TOKEN_R_BRACE)?;
                    self.finish_node();
                }
            }
            TOKEN_L_BRACK => {
                self.start_node(NODE_LIST, true);
                self.bump()?;
                while self.peek().is_some_and(|t| t != TOKEN_R_BRACK) {
                    self.simple()?;
                }
                self.bump()?;
                self.finish_node();
            }
            TOKEN_STRING_START => self.string()?,
            TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME | TOKEN_PATH_SEARCH => {
                self.path(kind)?
            }
            t if t.is_literal() => {
                self.start_node(NODE_LITERAL, true);
                self.bump()?;
                self.finish_node();
            }
            TOKEN_IDENT => self.ident_start(m)?,
            kind => {
                self.eat_trivia();
                let start = self.consumed;
                self.bump()?;
                return Err(self.error(ParseError::UnexpectedWanted(
                    kind,
                    range(start, self.consumed),
                    SIMPLE_START.into(),
                )));
            }
        }
        if self.peek() == Some(TOKEN_DOT) {
            self.start_node_at(m, NODE_SELECT);
            self.bump()?;
            self.attrpath()?;
            if self.peek() == Some(TOKEN_OR) {
                self.bump()?;
                self.simple()?;
            }
            self.finish_node();
        } else if self.peek() == Some(TOKEN_OR) {
            // `f or`: Nix reads a lone `or` after an operand as a name applied to.
            self.start_node_at(m, NODE_APPLY);
            self.start_node(NODE_IDENT, true);
            self.bump_as(TOKEN_IDENT);
            self.finish_node();
            self.finish_node();
        }
        Ok(m)
    }

    /// A name, or a function whose parameter is one (`x: ...`, `x @ { ... }: ...`).
    fn ident_start(&mut self, m: Mark) -> Step<()> {
        let text = self.tokens[self.next].1;
        match self.peek_ahead(1) {
            Some(TOKEN_COLON) => {
                self.expect_ident()?;
                self.start_node_at(m, NODE_LAMBDA);
                self.start_node_at(m, NODE_IDENT_PARAM);
                self.finish_node();
                self.expect(TOKEN_COLON)?;
                self.expr()?;
                self.finish_node();
            }
            Some(TOKEN_AT) => {
                self.expect_ident()?;
                self.start_node_at(m, NODE_LAMBDA);
                self.start_node_at(m, NODE_PATTERN);
                self.start_node_at(m, NODE_PAT_BIND);
                self.expect(TOKEN_AT)?;
                self.finish_node();
                self.expect(TOKEN_L_BRACE)?;
                self.pattern(true)?;
                self.finish_node();
                self.expect(TOKEN_COLON)?;
                self.expr()?;
                self.finish_node();
            }
            _ if text == "__curPos" => {
                self.start_node(NODE_CUR_POS, true);
                self.bump_as(TOKEN_CUR_POS);
                self.finish_node();
            }
            _ => self.expect_ident()?,
        }
        Ok(())
    }

    /// A path literal, with interpolations (`./a/${b}`); `<name>` has none.
    fn path(&mut self, kind: SyntaxKind) -> Step<()> {
        let node = match kind {
            TOKEN_PATH_ABS => NODE_PATH_ABS,
            TOKEN_PATH_REL => NODE_PATH_REL,
            TOKEN_PATH_HOME => NODE_PATH_HOME,
            _ => NODE_PATH_SEARCH,
        };
        self.start_node(node, true);
        self.bump()?;
        if node != NODE_PATH_SEARCH && self.peek() == Some(TOKEN_INTERPOL_START) {
            loop {
                match self.tokens.get(self.next).map(|&(k, _)| k) {
                    Some(TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME) => self.bump()?,
                    Some(TOKEN_INTERPOL_START) => self.interpolation()?,
                    _ => break,
                }
            }
        }
        self.finish_node();
        Ok(())
    }

    /// `${ e }` inside a string or path.
    fn interpolation(&mut self) -> Step<()> {
        self.start_node(NODE_INTERPOL, true);
        self.bump()?;
        self.expr()?;
        self.expect(TOKEN_INTERPOL_END)?;
        self.finish_node();
        Ok(())
    }

    fn string(&mut self) -> Step<()> {
        self.start_node(NODE_STRING, true);
        self.expect(TOKEN_STRING_START)?;
        loop {
            match self.expect_any(&[
                TOKEN_STRING_END,
                TOKEN_STRING_CONTENT,
                TOKEN_INTERPOL_START,
            ])? {
                TOKEN_STRING_CONTENT => self.bump()?,
                TOKEN_INTERPOL_START => self.interpolation()?,
                _ => break,
            }
        }
        self.expect(TOKEN_STRING_END)?;
        self.finish_node();
        Ok(())
    }

    /// One attribute name: a name (`or` counts as one), a string or `${ e }`.
    fn attr(&mut self) -> Step<()> {
        match self.peek() {
            Some(TOKEN_INTERPOL_START) => {
                self.start_node(NODE_DYNAMIC, true);
                self.bump()?;
                self.expr()?;
                self.expect(TOKEN_INTERPOL_END)?;
                self.finish_node();
            }
            Some(TOKEN_STRING_START) => self.string()?,
            _ => {
                self.expect_any(&[TOKEN_IDENT, TOKEN_OR, TOKEN_CUR_POS])?;
                self.start_node(NODE_IDENT, true);
                self.bump_as(TOKEN_IDENT);
                self.finish_node();
            }
        }
        Ok(())
    }

    fn attrpath(&mut self) -> Step<()> {
        self.start_node(NODE_ATTRPATH, true);
        loop {
            self.attr()?;
            if self.peek() == Some(TOKEN_DOT) {
                self.bump()?;
            } else {
                break;
            }
        }
        self.finish_node();
        Ok(())
    }

    /// A function's formals after `{`; `bound` when an `x @` came before.
    fn pattern(&mut self, bound: bool) -> Step<()> {
        if self.peek().is_none_or(|t| t == TOKEN_R_BRACE) {
            self.bump()?;
        } else {
            loop {
                match self.expect_any(&[TOKEN_R_BRACE, TOKEN_ELLIPSIS, TOKEN_IDENT])? {
                    TOKEN_R_BRACE => {
                        self.bump()?;
                        break;
                    }
                    TOKEN_ELLIPSIS => {
                        self.bump()?;
                        self.expect(TOKEN_R_BRACE)?;
                        break;
                    }
                    _ => {
                        self.start_node(NODE_PAT_ENTRY, true);
                        self.expect_ident()?;
                        if self.peek() == Some(TOKEN_QUESTION) {
                            self.bump()?;
                            self.expr()?;
                        }
                        self.finish_node();
                        if self.peek() == Some(TOKEN_COMMA) {
                            self.bump()?;
                        } else {
                            self.expect(TOKEN_R_BRACE)?;
                            break;
                        }
                    }
                }
            }
        }
        if self.peek() == Some(TOKEN_AT) {
            self.start_node(if bound { NODE_ERROR } else { NODE_PAT_BIND }, true);
            let start = self.consumed;
            self.bump()?;
            self.expect_ident()?;
            self.finish_node();
            if bound {
                return Err(self.error(ParseError::UnexpectedDoubleBind(range(
                    start,
                    self.consumed,
                ))));
            }
        }
        Ok(())
    }

    /// The bindings of a set or `let`, up to and including `until`.
    fn set_body(&mut self, until: SyntaxKind) -> Step<()> {
        loop {
            match self.peek() {
                None => break,
                Some(t) if t == until => break,
                Some(TOKEN_INHERIT) => {
                    self.start_node(NODE_INHERIT, true);
                    self.bump()?;
                    if self.peek() == Some(TOKEN_L_PAREN) {
                        self.start_node(NODE_INHERIT_FROM, true);
                        self.bump()?;
                        self.expr()?;
                        self.expect(TOKEN_R_PAREN)?;
                        self.finish_node();
                    }
                    loop {
                        match self.peek() {
                            Some(TOKEN_SEMICOLON) => break,
                            Some(_) => self.attr()?,
                            None => return Err(self.error(ParseError::UnexpectedEOF)),
                        }
                    }
                    self.expect(TOKEN_SEMICOLON)?;
                    self.finish_node();
                }
                Some(_) => {
                    self.start_node(NODE_ATTRPATH_VALUE, true);
                    self.attrpath()?;
                    self.expect(TOKEN_ASSIGN)?;
                    self.expr()?;
                    self.expect(TOKEN_SEMICOLON)?;
                    self.finish_node();
                }
            }
        }
        self.bump()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowan::ast::AstNode;

    /// Our tree and first error against rnix's for one text.
    fn check(text: &str, what: &str) {
        let ours = parse(text, &|| false);
        let theirs = rnix::Root::parse(text);
        match (theirs.errors().first(), ours) {
            (None, Ok(root)) => {
                if root.syntax().green() != theirs.tree().syntax().green() {
                    let ours = format!("{:#?}", root.syntax());
                    let theirs = format!("{:#?}", theirs.tree().syntax());
                    let diff = ours
                        .lines()
                        .zip(theirs.lines())
                        .position(|(a, b)| a != b)
                        .unwrap_or(0);
                    let near = |t: &str| {
                        t.lines()
                            .skip(diff.saturating_sub(3))
                            .take(8)
                            .collect::<Vec<_>>()
                            .join("\n")
                    };
                    panic!(
                        "{what}: the tree differs from rnix's:\nours:\n{}\nrnix:\n{}",
                        near(&ours),
                        near(&theirs)
                    );
                }
            }
            (Some(e), Err(ParseFailure::Syntax(ours))) => {
                assert_eq!(&ours, e, "{what}: a different first error")
            }
            (theirs, ours) => panic!("{what}: rnix says {theirs:?}, we say {ours:?}"),
        }
    }

    #[test]
    fn parser_matches_rnix() {
        // A small deterministic generator for mutants.
        let mut picker = crate::test_corpus::Picker::new(0x2545_f491_4f6c_dd1d);
        let mut below = |n: usize| picker.below(n);
        for (what, text) in crate::test_corpus::nix_texts() {
            check(&text, &what);
            // Mutants: cut short, a token dropped, a token repeated, text swapped in.
            let tokens: Vec<(SyntaxKind, &str)> = rnix::tokenize(&text).collect();
            let mut offsets = vec![0];
            for (_, t) in &tokens {
                offsets.push(offsets.last().unwrap() + t.len());
            }
            // Mutants of small files only: parsing big ones 25 times makes the test slow.
            let rounds = if text.len() < 16_000 { 3 } else { 0 };
            for _ in 0..rounds {
                let i = below(tokens.len());
                let (a, b) = (offsets[i], offsets[i + 1]);
                for (mutant, how) in crate::test_corpus::mutants(&text, a, b) {
                    check(&mutant, &format!("{what} {how}"));
                }
                let other = tokens[below(tokens.len())].1;
                check(
                    &format!("{}{other}{}", &text[..a], &text[b..]),
                    &format!("{what} with {a}..{b} replaced"),
                );
            }
        }
        for text in [
            "",
            " ",
            "a b or c",
            "or a",
            "{ a, b ? 1, ... } @ x: x",
            "x @ { } @ y: 1",
            "{ } @ y: 1",
            "(1 ]",
            "let { body = 1; }",
            "rec { a = 1; }",
            "./a/${b}/c",
            "<n>",
            "a.b or c.d",
            "assert 1; 2",
            "with 1; 2",
            "if a then b else c",
            "!!!a",
            "- - 1",
            "a ? b.c ? d",
            "{ inherit (a) b c; inherit d; }",
            "\"a${b}c\"",
            "''a${b}''",
            "__curPos",
            "x: y: x",
            "1 == 2 == 3",
            "a |> b <| c",
            "{ a.b.c = 1; \"x\" = 2; ${y} = 3; }",
            "{",
            "[",
            "(",
            "a.",
            "{ a = ; }",
            "{ inherit ; }",
            "f { }",
            "{ ... }: 1",
            "{ a ? }: 1",
        ] {
            check(text, text);
        }
    }

    #[test]
    fn deep_nesting_stops_when_the_stack_is_low() {
        let text = format!("{}1{}", "[".repeat(50), "]".repeat(50));
        let depth = std::cell::Cell::new(0);
        let low = || {
            depth.set(depth.get() + 1);
            depth.get() > 20
        };
        assert!(matches!(parse(&text, &low), Err(ParseFailure::TooDeep(_))));
    }
}
