//! The tokenizer: Nix source text to rnix's tokens, in time linear in the input.
//!
//! rnix's tokenizer decides whether a word is a path, a URI or an identifier by looking
//! ahead over the whole run of path characters (letters, digits, `.`, `+`, `-`, `_`, `/`)
//! that starts at the word; it does so again at every token inside the run, so a long run
//! written without blanks (`a.a.a...`, `1+1+1...`) costs time quadratic in its length.
//! This tokenizer gives the same tokens (kinds and boundaries) but remembers the end of
//! the run it last scanned: a token that starts inside that run reuses it.
//!
//! Architecture Invariant: for every input, `tokenize` yields exactly the tokens
//! `rnix::tokenize` yields (checked over the eval corpus, the package collection, nixpkgs'
//! lib and mutants by the `tokens_match_rnix` test, and through the parser's trees).

use rnix::SyntaxKind::{self, *};

/// The tokens of `text`, each with the text it covers.
pub(crate) fn tokenize(text: &str) -> Vec<(SyntaxKind, &str)> {
    let mut t = Tokenizer {
        text,
        pos: 0,
        modes: Vec::new(),
        run: [None, None],
    };
    let mut out = Vec::new();
    loop {
        let start = t.pos;
        match t.token() {
            Some(kind) => out.push((kind, &text[start..t.pos])),
            None => return out,
        }
    }
}

fn path_char(c: char) -> bool {
    matches!(c, 'a'..='z' | 'A'..='Z' | '0'..='9' | '/' | '_' | '.' | '+' | '-')
}

fn uri_char(c: char) -> bool {
    matches!(
        c,
        '%' | '?' | ':' | '@' | '&' | '=' | '$' | ',' | '!' | '~' | '*' | '\''
    ) || path_char(c)
}

/// What a word turns out to be, judged from the characters after its run.
#[derive(Clone, Copy, PartialEq)]
enum Word {
    AbsPath,
    RelPath,
    HomePath,
    SearchPath,
    Uri,
}

/// Where the tokenizer is: inside a string, a path or an interpolation, innermost last.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    String {
        multiline: bool,
    },
    /// The string's closing quote comes next.
    StringEnd,
    /// `${`, with the number of `{` opened inside it.
    Interpolation {
        braces: u32,
    },
    /// A `${` comes next.
    InterpolationStart,
    Path(SyntaxKind),
}

/// A scanned run of path characters: from `from` up to `end`, with its last `_`.
#[derive(Clone, Copy)]
struct Run {
    from: usize,
    end: usize,
    last_underscore: Option<usize>,
}

struct Tokenizer<'s> {
    text: &'s str,
    pos: usize,
    modes: Vec<Mode>,
    /// The last run scanned, for words not starting with `<` (index 0) and for those that
    /// do (index 1: `<` and `/` belong to the run too).
    run: [Option<Run>; 2],
}

impl Tokenizer<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn bump_if(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn skip(&mut self, prefix: &str) -> bool {
        if self.rest().starts_with(prefix) {
            self.pos += prefix.len();
            true
        } else {
            false
        }
    }

    /// Skip characters while `keep` holds; how many bytes.
    fn skip_while(&mut self, keep: impl Fn(char) -> bool) -> usize {
        let len = self.rest().find(|c| !keep(c)).unwrap_or(self.rest().len());
        self.pos += len;
        len
    }

    fn leave(&mut self) {
        self.modes.pop();
    }

    /// The run of path characters from here (with `<` and `/` when `search`).
    fn run_here(&mut self, search: bool) -> Run {
        let slot = usize::from(search);
        if let Some(run) = self.run[slot] {
            if run.from <= self.pos && self.pos <= run.end {
                return run;
            }
        }
        let member = |c: char| match c {
            '<' | '/' => search,
            c => path_char(c),
        };
        let len = self
            .rest()
            .find(|c| !member(c))
            .unwrap_or(self.rest().len());
        let last_underscore = self.rest()[..len].rfind('_').map(|i| self.pos + i);
        let run = Run {
            from: self.pos,
            end: self.pos + len,
            last_underscore,
        };
        self.run[slot] = Some(run);
        run
    }

    /// What the word starting here is, from the characters after its run.
    fn classify(&mut self) -> Option<Word> {
        let first = self.peek();
        if first == Some('/') {
            let rest = self.rest();
            if rest.starts_with("//") {
                return None;
            }
            if rest.starts_with("/${") {
                return Some(Word::AbsPath);
            }
            return self
                .second()
                .filter(|&c| path_char(c) && c != '*')
                .map(|_| Word::AbsPath);
        }
        if first == Some('~') && self.second() == Some('/') {
            return Some(Word::HomePath);
        }
        let run = self.run_here(first == Some('<'));
        let underscore = run.last_underscore.is_some_and(|u| u >= self.pos);
        let mut after = self.text[run.end..].chars();
        match (after.next(), after.next()) {
            (Some('/'), Some('/' | '*')) => None,
            (Some('/'), Some(c)) if !c.is_whitespace() => Some(Word::RelPath),
            (Some('>'), _) => Some(Word::SearchPath),
            (Some(':'), Some(c)) if uri_char(c) && !underscore => Some(Word::Uri),
            _ => None,
        }
    }

    /// The rest of a path segment that started at `start`.
    fn path_segment(&mut self, start: usize, kind: SyntaxKind) -> SyntaxKind {
        self.skip_while(path_char);
        let segment = &self.text[start..self.pos];
        if self.rest().starts_with("${") {
            self.modes.push(Mode::InterpolationStart);
        } else if segment.ends_with('/') || segment.contains("//") {
            return TOKEN_ERROR;
        } else {
            self.leave();
        }
        kind
    }

    /// String content up to the end of the string or an interpolation.
    fn string_content(&mut self, multiline: bool) -> SyntaxKind {
        loop {
            let before = self.pos;
            match self.bump() {
                None => {
                    self.leave();
                    return TOKEN_ERROR;
                }
                Some('"') if !multiline => {
                    self.pos = before;
                    self.leave();
                    self.modes.push(Mode::StringEnd);
                    return TOKEN_STRING_CONTENT;
                }
                Some('\\') if !multiline => {
                    if self.bump().is_none() {
                        return TOKEN_ERROR;
                    }
                }
                Some('\'') if multiline => match self.peek() {
                    None => return TOKEN_ERROR,
                    Some('\'') => {
                        self.bump();
                        match self.peek() {
                            Some('\'' | '$') => {
                                self.bump();
                            }
                            Some('\\') => {
                                self.bump();
                                if self.bump().is_none() {
                                    return TOKEN_ERROR;
                                }
                            }
                            _ => {
                                self.pos = before;
                                self.leave();
                                self.modes.push(Mode::StringEnd);
                                return TOKEN_STRING_CONTENT;
                            }
                        }
                    }
                    Some(_) => {}
                },
                Some('$') => match self.peek() {
                    Some('$') => {
                        self.bump();
                    }
                    Some('{') => {
                        self.pos = before;
                        self.modes.push(Mode::InterpolationStart);
                        return TOKEN_STRING_CONTENT;
                    }
                    _ => {}
                },
                Some(_) => {}
            }
        }
    }

    /// The next token's kind (its text ends at `pos`), or `None` at the end.
    fn token(&mut self) -> Option<SyntaxKind> {
        let start = self.pos;
        // Inside a string, a path or just before `${`.
        loop {
            match self.modes.last().copied() {
                Some(Mode::InterpolationStart) => {
                    self.leave();
                    self.modes.push(Mode::Interpolation { braces: 0 });
                    let opened = self.skip("${");
                    debug_assert!(opened, "an interpolation start is at `${{`");
                    return Some(TOKEN_INTERPOL_START);
                }
                Some(Mode::Path(kind)) => {
                    if kind == TOKEN_PATH_SEARCH {
                        if self.peek().is_some_and(path_char) {
                            return Some(self.path_segment(start, kind));
                        }
                        self.leave();
                    } else if self.skip("${") {
                        self.modes.push(Mode::Interpolation { braces: 0 });
                        return Some(TOKEN_INTERPOL_START);
                    } else if self.peek().is_some_and(path_char) {
                        return Some(self.path_segment(start, kind));
                    } else {
                        self.leave();
                    }
                }
                Some(Mode::String { multiline }) => {
                    let kind = self.string_content(multiline);
                    if self.pos == start {
                        // Nothing read (an empty piece): go on in the new mode.
                        continue;
                    }
                    return Some(kind);
                }
                Some(Mode::StringEnd) => {
                    self.leave();
                    let closed = match self.peek() {
                        Some('"') => {
                            self.bump();
                            true
                        }
                        Some('\'') => {
                            self.bump();
                            self.bump_if('\'')
                        }
                        _ => false,
                    };
                    return Some(if closed {
                        TOKEN_STRING_END
                    } else {
                        TOKEN_ERROR
                    });
                }
                _ => {}
            }
            break;
        }

        if self.skip_while(char::is_whitespace) > 0 {
            return Some(TOKEN_WHITESPACE);
        }
        if self.peek() == Some('#') {
            self.skip_while(|c| c != '\n');
            return Some(TOKEN_COMMENT);
        }
        if self.skip("/*") {
            loop {
                self.skip_while(|c| c != '*');
                self.bump();
                match self.peek() {
                    None => return Some(TOKEN_ERROR),
                    Some('/') => {
                        self.bump();
                        return Some(TOKEN_COMMENT);
                    }
                    Some(_) => {}
                }
            }
        }
        if self.skip("...") {
            return Some(TOKEN_ELLIPSIS);
        }

        let word = self.classify();
        let c = self.bump()?;
        if c == '/' && self.bump_if('/') {
            return Some(TOKEN_UPDATE);
        }
        if c == '~'
            || matches!(word, Some(Word::AbsPath | Word::RelPath))
            || (c == '/' && self.peek().is_some_and(path_char))
        {
            let kind = match c {
                '~' => {
                    if self.bump() != Some('/') {
                        return Some(TOKEN_ERROR);
                    }
                    TOKEN_PATH_HOME
                }
                '/' => TOKEN_PATH_ABS,
                _ => TOKEN_PATH_REL,
            };
            self.modes.push(Mode::Path(kind));
            return Some(self.path_segment(start, kind));
        }

        let next = self.peek();
        Some(match c {
            '=' if next == Some('=') => self.then(TOKEN_EQUAL),
            '!' if next == Some('=') => self.then(TOKEN_NOT_EQUAL),
            '!' => TOKEN_INVERT,
            '{' => {
                if let Some(Mode::Interpolation { braces }) = self.modes.last_mut() {
                    *braces += 1;
                }
                TOKEN_L_BRACE
            }
            '}' => {
                if let Some(Mode::Interpolation { braces }) = self.modes.last_mut() {
                    if *braces == 0 {
                        self.leave();
                        return Some(TOKEN_INTERPOL_END);
                    }
                    *braces -= 1;
                }
                TOKEN_R_BRACE
            }
            '[' => TOKEN_L_BRACK,
            ']' => TOKEN_R_BRACK,
            '@' => TOKEN_AT,
            ':' => TOKEN_COLON,
            ',' => TOKEN_COMMA,
            '.' if next.is_some_and(|c| c.is_ascii_digit()) => {
                self.skip_while(|c| c.is_ascii_digit());
                self.exponent()
            }
            '.' => TOKEN_DOT,
            '=' => TOKEN_ASSIGN,
            '?' => TOKEN_QUESTION,
            ';' => TOKEN_SEMICOLON,
            '(' => TOKEN_L_PAREN,
            ')' => TOKEN_R_PAREN,
            '+' if next == Some('+') => self.then(TOKEN_CONCAT),
            '-' if next == Some('>') => self.then(TOKEN_IMPLICATION),
            '/' if next == Some('/') => self.then(TOKEN_UPDATE),
            '+' => TOKEN_ADD,
            '-' => TOKEN_SUB,
            '*' => TOKEN_MUL,
            '/' => TOKEN_DIV,
            '<' if next == Some('|') => self.then(TOKEN_PIPE_LEFT),
            '<' if word == Some(Word::SearchPath) => {
                if self.skip_while(path_char) == 0 {
                    TOKEN_LESS
                } else if self.bump() != Some('>') {
                    TOKEN_ERROR
                } else {
                    TOKEN_PATH_SEARCH
                }
            }
            '&' if next == Some('&') => self.then(TOKEN_AND_AND),
            '|' if next == Some('>') => self.then(TOKEN_PIPE_RIGHT),
            '|' if next == Some('|') => self.then(TOKEN_OR_OR),
            '<' if next == Some('=') => self.then(TOKEN_LESS_OR_EQ),
            '<' => TOKEN_LESS,
            '>' if next == Some('=') => self.then(TOKEN_MORE_OR_EQ),
            '>' => TOKEN_MORE,
            '$' if next == Some('{') => {
                self.bump();
                self.modes.push(Mode::Interpolation { braces: 0 });
                TOKEN_INTERPOL_START
            }
            'a'..='z' | 'A'..='Z' | '_' => {
                let uri = word == Some(Word::Uri);
                self.skip_while(|c| {
                    matches!(c, 'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' | '\'')
                        || (uri && uri_char(c))
                });
                if uri {
                    TOKEN_URI
                } else {
                    keyword(&self.text[start..self.pos]).unwrap_or(TOKEN_IDENT)
                }
            }
            '"' => {
                self.modes.push(Mode::String { multiline: false });
                TOKEN_STRING_START
            }
            '\'' if next == Some('\'') => {
                self.bump();
                self.modes.push(Mode::String { multiline: true });
                TOKEN_STRING_START
            }
            '0' if next != Some('.') => {
                // A leading zero: digits only, never a float (`00.5` is `00` then `.5`).
                self.skip_while(|c| c.is_ascii_digit());
                TOKEN_INTEGER
            }
            '0'..='9' => {
                self.skip_while(|c| c.is_ascii_digit());
                if self.bump_if('.') {
                    self.skip_while(|c| c.is_ascii_digit());
                    self.exponent()
                } else {
                    TOKEN_INTEGER
                }
            }
            _ => TOKEN_ERROR,
        })
    }

    /// Consume the second character of a two-character operator.
    fn then(&mut self, kind: SyntaxKind) -> SyntaxKind {
        self.bump();
        kind
    }

    /// A float's optional exponent.
    fn exponent(&mut self) -> SyntaxKind {
        if self.bump_if('e') || self.bump_if('E') {
            if !self.bump_if('-') {
                self.bump_if('+');
            }
            if self.skip_while(|c| c.is_ascii_digit()) == 0 {
                return TOKEN_ERROR;
            }
        }
        TOKEN_FLOAT
    }
}

fn keyword(word: &str) -> Option<SyntaxKind> {
    Some(match word {
        "assert" => TOKEN_ASSERT,
        "else" => TOKEN_ELSE,
        "if" => TOKEN_IF,
        "in" => TOKEN_IN,
        "inherit" => TOKEN_INHERIT,
        "let" => TOKEN_LET,
        // `or` is a keyword only where the parser says so.
        "or" => TOKEN_OR,
        "rec" => TOKEN_REC,
        "then" => TOKEN_THEN,
        "with" => TOKEN_WITH,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, what: &str) {
        let ours = tokenize(text);
        let theirs: Vec<_> = rnix::tokenize(text).collect();
        if ours != theirs {
            let at = ours
                .iter()
                .zip(&theirs)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(theirs.len()));
            panic!(
                "{what}: tokens differ from rnix's at token {at}: ours {:?}, rnix {:?}",
                &ours[at..(at + 3).min(ours.len())],
                &theirs[at..(at + 3).min(theirs.len())]
            );
        }
    }

    #[test]
    fn tokens_match_rnix() {
        let mut picker = crate::test_corpus::Picker::new(0x9e37_79b9_7f4a_7c15);
        let mut below = |n: usize| picker.below(n);
        for (what, text) in crate::test_corpus::nix_texts() {
            check(&text, &what);
            // Mutants: a byte range cut out, repeated, or cut short; and characters the
            // tokenizer treats specially pasted in.
            let bounds: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            for _ in 0..8 {
                let a = bounds[below(bounds.len())];
                let b = bounds[below(bounds.len())].max(a);
                let b = bounds[bounds.partition_point(|&x| x < b.min(a + 40))];
                for (mutant, how) in crate::test_corpus::mutants(&text, a, b) {
                    check(&mutant, &format!("{what} {how}"));
                }
                let special = [
                    "/", "//", "/*", "*/", "<", ">", ":", "_", "~", "$", "${", "''", "'", "\"",
                    "\\", "}", "{", ".", "0", "e", "-", "+", "#", "\n", " ", "\u{a0}", "é",
                ];
                let s = special[below(special.len())];
                check(
                    &format!("{}{s}{}", &text[..a], &text[a..]),
                    &format!("{what} with {s:?} at {a}"),
                );
            }
        }
        for text in [
            "a.a.a.a",
            "1+1+1",
            "a/b",
            "a/ b",
            "a//b",
            "a/*b*/",
            "<a/b>",
            "<a<b>",
            "<>",
            "<<a>",
            "a_b:c",
            "ab:c",
            "_a:b",
            "a.b_c.d:e",
            "x_y.ab:c",
            "http://x.org/a?b=c",
            "~/a",
            "~a",
            "~",
            "/a/${b}/c",
            "./a/${b}",
            "/a/",
            "a//",
            "./a//b",
            "0.5",
            "00.5",
            "1.e5",
            "1.5e",
            "1.5e+",
            ".5e-3",
            "1.",
            "\"a\\",
            "''a'''b''$c''\\",
            "''a''\\",
            "\"${a}${b}\"",
            "''${a}''",
            "\"a$${b}\"",
            "{ a = \"${ { b = 1; }.b }\"; }",
            "a->b",
            "a-->b",
            "a'b'",
            "/**/",
            "/*/",
            "/* unterminated",
            "a |> b <| c",
            "x: /.a",
            "/ a",
            "/*a",
            "a-/b",
            "a+/b",
        ] {
            check(text, text);
        }
    }

    #[test]
    fn long_runs_are_linear() {
        // Tokens in a run of path characters reuse its scan: the run's end is scanned once.
        let text = "a.".repeat(200_000) + "a";
        let tokens = tokenize(&text);
        assert_eq!(tokens.len(), 400_001);
    }
}
