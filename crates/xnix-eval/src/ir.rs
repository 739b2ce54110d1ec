//! The compact expression IR the evaluator runs. Variables are resolved at lowering time to
//! (depth, index) pairs; only names that no lexical scope binds are looked up dynamically
//! through the enclosing `with` frames.

use std::rc::Rc;

use crate::value::{Pos, Sym, Value};

/// Binary operators that are evaluated strictly on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `==`
    Eq,
    /// `!=`
    NEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `//`
    Update,
    /// `++`
    Concat,
}

/// One component of an attribute path.
pub enum AttrName {
    /// A name known at lowering time, with where it was last found.
    Static(Sym, SlotHint),
    /// `${e}` or `"..${e}.."`.
    Dynamic(Rc<Expr>),
}

/// The index at which a lookup site last found its name. Sets built by the same code put a
/// name at the same index, so checking that slot first skips the search; the slot is only
/// trusted when it holds that very name, so a stale hint costs one comparison.
#[derive(Default)]
pub struct SlotHint(pub std::cell::Cell<u32>);

/// How an attribute of a set or let gets its value.
pub enum AttrValue {
    /// An expression, evaluated in the set's own environment for `rec`/`let`, in the enclosing
    /// one otherwise.
    Plain(Rc<Expr>),
    /// `inherit x;`: an expression (a variable) evaluated in the enclosing environment.
    Inherited(Rc<Expr>),
}

/// A statically named binding of a set or let.
pub struct StaticBinding {
    /// Its name.
    pub name: Sym,
    /// Its value.
    pub value: AttrValue,
    /// Where it was defined.
    pub pos: Pos,
}

/// A binding with a name computed at run time.
pub struct DynamicBinding {
    /// The name expression.
    pub name: Rc<Expr>,
    /// The value.
    pub value: Rc<Expr>,
    /// Where it was defined.
    pub pos: Pos,
}

/// The bindings of an attribute set or `let`.
pub struct Bindings {
    /// Static bindings, in frame order (for `rec`/`let` index `i` is variable `i`).
    pub statics: Vec<StaticBinding>,
    /// Dynamic bindings, in source order.
    pub dynamics: Vec<DynamicBinding>,
    /// Whether the bindings see each other (`rec`).
    pub recursive: bool,
}

/// The formal parameters of a `{ a, b ? d, ... }:` lambda.
pub struct Formals {
    /// Names with optional defaults, in source order; frame index `i` is formal `i`.
    pub entries: Vec<(Sym, Option<Rc<Expr>>)>,
    /// Where each formal is written (`builtins.functionArgs` reports it per attribute).
    pub positions: Vec<Pos>,
    /// Whether `...` was given.
    pub ellipsis: bool,
}

/// A lambda's code.
pub struct LambdaDef {
    /// The name it is bound to (for messages), if known.
    pub name: Option<Sym>,
    /// `x:` or the `@` name; lives in the last slot of the frame.
    pub arg: Option<Sym>,
    /// Formals, if the lambda destructures its argument.
    pub formals: Option<Formals>,
    /// The body.
    pub body: Rc<Expr>,
    /// Where it is defined.
    pub pos: Pos,
    /// For `x: body`: whether the body always forces `x` (see [`forces_var`]).
    pub strict_arg: bool,
}

/// The parts of an interpolated string or path.
pub enum StrPart {
    /// Literal text.
    Lit(String),
    /// `${e}`
    Interp(Rc<Expr>),
}

/// An expression.
pub enum Expr {
    /// A constant.
    Lit(Value),
    /// A lexically bound variable: `depth` frames up, slot `index`.
    Var {
        /// Frames to walk up.
        depth: u32,
        /// Slot in that frame.
        index: u32,
    },
    /// A name no lexical scope binds: looked up in the `with` frames at these depths, innermost first.
    WithVar {
        /// The name.
        name: Sym,
        /// Depths of the enclosing `with` frames, innermost first.
        with_depths: Box<[u32]>,
        /// Where the name was last found.
        hint: SlotHint,
        /// Where the variable occurs.
        pos: Pos,
    },
    /// `e.a.b or d`
    Select(Rc<Expr>, Box<[AttrName]>, Option<Rc<Expr>>, Pos),
    /// `e ? a.b`
    HasAttr(Rc<Expr>, Box<[AttrName]>),
    /// `{ ... }` / `rec { ... }`
    AttrSet(Rc<Bindings>, Pos),
    /// `let ... in body`
    Let(Rc<Bindings>, Rc<Expr>),
    /// `[ ... ]`
    List(Box<[Rc<Expr>]>),
    /// A lambda.
    Lambda(Rc<LambdaDef>),
    /// `f a`
    Apply(Rc<Expr>, Rc<Expr>, Pos),
    /// `with e; body`
    With(Rc<Expr>, Rc<Expr>),
    /// `if c then a else b`
    If(Rc<Expr>, Rc<Expr>, Rc<Expr>, Pos),
    /// `assert c; body` (with the condition's source text for the message).
    Assert(Rc<Expr>, Rc<Expr>, Pos, String),
    /// Strict binary operators.
    BinOp(BinOp, Rc<Expr>, Rc<Expr>, Pos),
    /// A chain of four or more operands of `++` or `//` (right-associative, so
    /// `a ++ b ++ c ++ d` is `a ++ (b ++ (c ++ d))`), evaluated in one step so that long
    /// chains cost time linear in their length. The last pair stays a `BinOp` (its operand
    /// forms have fast paths); `positions[i]` is the position of the operator after
    /// operand `i`.
    Chain(BinOp, Box<[Rc<Expr>]>, Box<[Pos]>),
    /// `a + b` (also strings and paths).
    Add(Rc<Expr>, Rc<Expr>, Pos),
    /// `a && b`
    And(Rc<Expr>, Rc<Expr>, Pos),
    /// `a || b`
    Or(Rc<Expr>, Rc<Expr>, Pos),
    /// `a -> b`
    Impl(Rc<Expr>, Rc<Expr>, Pos),
    /// `!a`
    Not(Rc<Expr>, Pos),
    /// `-a`
    Neg(Rc<Expr>, Pos),
    /// An interpolated string.
    Str(Box<[StrPart]>, Pos),
    /// An interpolated path (relative paths already made absolute in the first literal).
    Path(Box<[StrPart]>, Pos),
    /// `__curPos`
    CurPos(Pos),
}

/// Whether evaluating `e` to weak head normal form always forces the variable at
/// (`depth`, 0) before producing a result. For such a lambda parameter, computing a cheap
/// argument eagerly cannot be observed (the argument would be forced before anything could
/// print it unevaluated).
pub fn forces_var(e: &Expr, depth: u32) -> bool {
    match e {
        Expr::Var { depth: d, index } => *d == depth && *index == 0,
        Expr::If(c, _, _, _) => forces_var(c, depth),
        Expr::Assert(c, b, _, _) => forces_var(c, depth) || forces_var(b, depth),
        Expr::BinOp(_, a, b, _) | Expr::Add(a, b, _) => {
            forces_var(a, depth) || forces_var(b, depth)
        }
        Expr::Chain(_, operands, _) => operands.iter().any(|e| forces_var(e, depth)),
        Expr::And(a, _, _) | Expr::Or(a, _, _) | Expr::Impl(a, _, _) => forces_var(a, depth),
        Expr::Not(a, _) | Expr::Neg(a, _) => forces_var(a, depth),
        Expr::Apply(f, _, _) => forces_var(f, depth),
        Expr::Select(e, _, _, _) | Expr::HasAttr(e, _) => forces_var(e, depth),
        Expr::Let(_, body) | Expr::With(_, body) => forces_var(body, depth + 1),
        Expr::Str(parts, _) => parts
            .iter()
            .any(|p| matches!(p, StrPart::Interp(e) if forces_var(e, depth))),
        _ => false,
    }
}
