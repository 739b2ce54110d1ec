//! Evaluation errors.

use std::fmt;

use crate::value::Pos;

/// What kind of failure an [`EvalError`] is; `tryEval` catches only `Throw` and `Assert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `throw`
    Throw,
    /// A failed `assert`.
    Assert,
    /// `abort`
    Abort,
    /// A thunk forced while being forced.
    InfiniteRecursion,
    /// A parse error.
    Parse,
    /// Any other evaluation error (type errors, missing attributes, ...).
    Other,
}

/// One step of the context an error happened in ("while evaluating ...").
#[derive(Clone, Debug)]
pub struct TraceFrame {
    /// Where.
    pub pos: Pos,
    /// What was being done.
    pub msg: String,
}

#[derive(Clone, Debug)]
struct Inner {
    kind: ErrorKind,
    msg: String,
    pos: Pos,
    trace: Vec<TraceFrame>,
}

/// An evaluation error: a message, where it happened and the chain of contexts.
#[derive(Clone, Debug)]
pub struct EvalError(Box<Inner>);

impl EvalError {
    /// A new error of some kind at a position.
    pub fn new(kind: ErrorKind, msg: impl Into<String>, pos: Pos) -> Self {
        EvalError(Box::new(Inner {
            kind,
            msg: msg.into(),
            pos,
            trace: Vec::new(),
        }))
    }
    /// A plain evaluation error.
    pub fn msg(msg: impl Into<String>, pos: Pos) -> Self {
        Self::new(ErrorKind::Other, msg, pos)
    }
    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    /// The message, without position.
    pub fn message(&self) -> &str {
        &self.0.msg
    }
    /// The position, if known.
    pub fn pos(&self) -> Pos {
        self.0.pos
    }
    /// The contexts, innermost first.
    pub fn trace(&self) -> &[TraceFrame] {
        &self.0.trace
    }
    /// Give the error a position if it has none yet.
    pub fn at(mut self, pos: Pos) -> Self {
        if !self.0.pos.is_some() {
            self.0.pos = pos;
        }
        self
    }
    /// Add a context frame.
    pub fn context(mut self, pos: Pos, msg: impl Into<String>) -> Self {
        if self.0.trace.len() < 200 {
            self.0.trace.push(TraceFrame {
                pos,
                msg: msg.into(),
            });
        }
        self
    }
    /// Prepend text to the message (as `addErrorContext`-like wrappers do).
    pub fn prefix_msg(mut self, p: &str) -> Self {
        self.0.msg = format!("{p}{}", self.0.msg);
        self
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.msg)
    }
}

impl std::error::Error for EvalError {}

/// Evaluation results.
pub type Result<T, E = EvalError> = std::result::Result<T, E>;
