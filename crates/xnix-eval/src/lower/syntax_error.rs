//! Parse errors worded as Nix 2.8's grammar words them: token names, what was expected,
//! positions at the end of the file.

//! Lowering of rnix's syntax tree into the evaluator's IR, resolving variables statically.

use crate::error::{ErrorKind, EvalError};
use crate::value::Pos;

/// How Nix 2.8's grammar names a token of kind `k` whose text is `text` in "unexpected X" and
/// "expecting X": named tokens by their grammar name (`ID`, `IF`, `OR_KW`, ...), single
/// characters quoted. `None` for kinds the grammar has no token for.
pub(super) fn bison_token_name(k: rnix::SyntaxKind, text: &str) -> Option<String> {
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
pub(super) fn token_at(text: &str, offset: usize) -> String {
    let mut at = 0;
    for (kind, t) in crate::tokenize::tokenize(text) {
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
pub(super) fn expecting(wanted: &[rnix::SyntaxKind], after: Option<rnix::SyntaxKind>) -> String {
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
pub(super) fn trailing_slash_path(text: &str) -> Option<usize> {
    use rnix::SyntaxKind as K;
    // rnix reads such a path as one error token (`./foo/`, `~/x/`), or, after an
    // interpolation, the final `/` alone. Nix reports the lexeme after it, if any.
    let tokens = crate::tokenize::tokenize(text);
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
pub(super) fn token_before(text: &str, offset: usize) -> Option<rnix::SyntaxKind> {
    use rnix::SyntaxKind as K;
    let (mut at, mut last) = (0, None);
    for (kind, t) in crate::tokenize::tokenize(text) {
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
pub(super) fn expected_at_end(text: &str) -> Option<(&'static str, bool)> {
    use rnix::SyntaxKind as K;
    let mut open: Vec<K> = Vec::new();
    let mut last = None;
    // Whether the last `{ ... }` closed could be a function's formals (no `=`, `;`, nesting).
    let (mut brace_depth, mut formals_like) = (0usize, false);
    for (kind, _) in crate::tokenize::tokenize(text) {
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
pub(super) fn text_end(text: &str) -> (usize, Option<(bool, usize)>) {
    use rnix::SyntaxKind as K;
    // Open strings and interpolations, innermost last: (is a string, indented, offset).
    let mut open: Vec<(bool, bool, usize)> = Vec::new();
    let (mut at, mut last) = (0, 0);
    for (kind, t) in crate::tokenize::tokenize(text) {
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
