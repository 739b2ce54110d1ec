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
    suggestions: Vec<String>,
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
            suggestions: Vec::new(),
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
    /// Names close to a misspelt `query`, shown after the error as "Did you
    /// mean ...?". The closest come first (Levenshtein distance over bytes,
    /// then name order); at most five, none further than two edits, which is
    /// what Nix suggests.
    pub fn suggest<'a>(
        mut self,
        query: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut close: Vec<(usize, &str)> = candidates
            .into_iter()
            .map(|c| (edit_distance(query.as_bytes(), c.as_bytes()), c))
            .filter(|&(d, _)| d <= 2)
            .collect();
        close.sort_unstable();
        close.dedup();
        self.0.suggestions = close
            .into_iter()
            .take(5)
            .map(|(_, c)| c.to_string())
            .collect();
        self
    }
    /// The suggested names, closest first.
    pub fn suggestions(&self) -> &[String] {
        &self.0.suggestions
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

/// The Levenshtein distance between the bytes of `a` and `b` (Nix counts
/// bytes, not characters).
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    strsim::generic_levenshtein(&a.to_vec(), &b.to_vec())
}

/// "Did you mean hello?", "Did you mean one of a, b or c?"; empty without
/// suggestions.
pub fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("Did you mean {one}?"),
        [init @ .., last] => format!("Did you mean one of {} or {last}?", init.join(", ")),
    }
}

/// Evaluation results.
pub type Result<T, E = EvalError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance(b"", b""), 0);
        assert_eq!(edit_distance(b"helo", b"hello"), 1);
        assert_eq!(edit_distance(b"kitten", b"sitting"), 3);
        assert_eq!(edit_distance(b"abc", b""), 3);
        assert_eq!(edit_distance(b"flaw", b"lawn"), 2);
    }

    #[test]
    fn suggestions_are_closest_first_and_bounded() {
        let e = EvalError::msg("x", Pos::NONE)
            .suggest("aaz", ["aai", "aah", "aaa", "aab", "aac", "aad", "zzz"]);
        assert_eq!(e.suggestions(), ["aaa", "aab", "aac", "aad", "aah"]);
        let e = EvalError::msg("x", Pos::NONE).suggest("helo", ["hallo", "hello", "other"]);
        assert_eq!(
            did_you_mean(e.suggestions()),
            "Did you mean one of hello or hallo?"
        );
        let e = EvalError::msg("x", Pos::NONE).suggest("h", ["hello"]);
        assert_eq!(did_you_mean(e.suggestions()), "");
    }
}
