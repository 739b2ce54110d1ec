//! The JSON reader behind `builtins.fromJSON`.
//!
//! Nix 2.8 reads JSON with the nlohmann library, and its error messages are what users see
//! ("[json.exception.parse_error.101] parse error at line 1, column 4: syntax error while
//! parsing value - unexpected ']'; expected '[', '{', or a literal"). This reader accepts the
//! same documents and reports the same messages and positions: it follows that library's
//! lexer (one character at a time, counting lines and columns the way it does, including the
//! text it quotes as "last read") and its parser's states.
//!
//! Numbers are kept as that library keeps them: an unsigned integer that fits 64 bits (Nix then
//! wraps it into a signed one), a negative integer that fits, otherwise a float; a float that
//! overflows is an error.

use std::fmt::Write;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A non-negative integer that fits 64 bits unsigned.
    Unsigned(u64),
    /// A negative integer that fits 64 bits signed.
    Integer(i64),
    /// Any other number.
    Float(f64),
    /// A string, as bytes (valid UTF-8; may contain NUL from `\u0000`).
    String(Vec<u8>),
    /// An array.
    Array(Vec<Json>),
    /// An object's members in document order (duplicates kept; the last one wins in Nix).
    Object(Vec<(Vec<u8>, Json)>),
}

/// The tokens of the lexer, named in messages as the reference names them.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Token {
    Uninitialized,
    True,
    False,
    Null,
    String,
    Unsigned,
    Integer,
    Float,
    BeginArray,
    BeginObject,
    EndArray,
    EndObject,
    NameSeparator,
    ValueSeparator,
    ParseError,
    EndOfInput,
    LiteralOrValue,
}

impl Token {
    fn name(self) -> &'static str {
        match self {
            Token::Uninitialized => "<uninitialized>",
            Token::True => "true literal",
            Token::False => "false literal",
            Token::Null => "null literal",
            Token::String => "string literal",
            Token::Unsigned | Token::Integer | Token::Float => "number literal",
            Token::BeginArray => "'['",
            Token::BeginObject => "'{'",
            Token::EndArray => "']'",
            Token::EndObject => "'}'",
            Token::NameSeparator => "':'",
            Token::ValueSeparator => "','",
            Token::ParseError => "<parse error>",
            Token::EndOfInput => "end of input",
            Token::LiteralOrValue => "'[', '{', or a literal",
        }
    }
}

/// End of input, as a character.
const EOF: i32 = -1;

struct Lexer<'a> {
    input: &'a [u8],
    next: usize,
    current: i32,
    next_unget: bool,
    chars_read_total: usize,
    chars_read_current_line: usize,
    lines_read: usize,
    /// The raw characters read since the current token began (quoted in messages).
    token_string: Vec<u8>,
    /// The decoded text of a string or number token.
    token_buffer: Vec<u8>,
    error_message: &'static str,
    value_unsigned: u64,
    value_integer: i64,
    value_float: f64,
}

impl<'a> Lexer<'a> {
    fn new(input: &'a [u8]) -> Self {
        Lexer {
            input,
            next: 0,
            current: EOF,
            next_unget: false,
            chars_read_total: 0,
            chars_read_current_line: 0,
            lines_read: 0,
            token_string: Vec::new(),
            token_buffer: Vec::new(),
            error_message: "",
            value_unsigned: 0,
            value_integer: 0,
            value_float: 0.0,
        }
    }

    fn get(&mut self) -> i32 {
        self.chars_read_total += 1;
        self.chars_read_current_line += 1;
        if self.next_unget {
            self.next_unget = false;
        } else {
            self.current = match self.input.get(self.next) {
                Some(&b) => {
                    self.next += 1;
                    b as i32
                }
                None => EOF,
            };
        }
        if self.current != EOF {
            self.token_string.push(self.current as u8);
        }
        if self.current == b'\n' as i32 {
            self.lines_read += 1;
            self.chars_read_current_line = 0;
        }
        self.current
    }

    fn unget(&mut self) {
        self.next_unget = true;
        self.chars_read_total -= 1;
        if self.chars_read_current_line == 0 {
            self.lines_read = self.lines_read.saturating_sub(1);
        } else {
            self.chars_read_current_line -= 1;
        }
        if self.current != EOF {
            self.token_string.pop();
        }
    }

    fn reset(&mut self) {
        self.token_buffer.clear();
        self.token_string.clear();
        if self.current != EOF {
            self.token_string.push(self.current as u8);
        }
    }

    fn add(&mut self, c: i32) {
        self.token_buffer.push(c as u8);
    }

    /// "at line L, column C" as the reference writes it.
    fn position(&self) -> String {
        format!(
            "line {}, column {}",
            self.lines_read + 1,
            self.chars_read_current_line
        )
    }

    /// The raw text of the token so far, control characters written `<U+00XX>`.
    fn token_string(&self) -> String {
        let mut out = Vec::new();
        for &c in &self.token_string {
            if c <= 0x1f {
                out.extend_from_slice(format!("<U+{c:04X}>").as_bytes());
            } else {
                out.push(c);
            }
        }
        // Bytes that are not UTF-8 are quoted as they are, as Nix does.
        crate::bytes::from_bytes(&out)
    }

    fn skip_bom(&mut self) -> bool {
        if self.get() == 0xEF {
            return self.get() == 0xBB && self.get() == 0xBF;
        }
        self.unget();
        true
    }

    fn scan(&mut self) -> Token {
        if self.chars_read_total == 0 && !self.skip_bom() {
            self.error_message = "invalid BOM; must be 0xEF 0xBB 0xBF if given";
            return Token::ParseError;
        }
        loop {
            let c = self.get();
            if !(c == b' ' as i32 || c == b'\t' as i32 || c == b'\n' as i32 || c == b'\r' as i32) {
                break;
            }
        }
        match self.current {
            c if c == b'[' as i32 => Token::BeginArray,
            c if c == b']' as i32 => Token::EndArray,
            c if c == b'{' as i32 => Token::BeginObject,
            c if c == b'}' as i32 => Token::EndObject,
            c if c == b':' as i32 => Token::NameSeparator,
            c if c == b',' as i32 => Token::ValueSeparator,
            c if c == b't' as i32 => self.scan_literal(b"true", Token::True),
            c if c == b'f' as i32 => self.scan_literal(b"false", Token::False),
            c if c == b'n' as i32 => self.scan_literal(b"null", Token::Null),
            c if c == b'"' as i32 => self.scan_string(),
            c if c == b'-' as i32 || (b'0' as i32..=b'9' as i32).contains(&c) => self.scan_number(),
            0 | EOF => Token::EndOfInput,
            _ => {
                self.error_message = "invalid literal";
                Token::ParseError
            }
        }
    }

    fn scan_literal(&mut self, text: &[u8], token: Token) -> Token {
        for &expected in &text[1..] {
            if self.get() != expected as i32 {
                self.error_message = "invalid literal";
                return Token::ParseError;
            }
        }
        token
    }

    /// Four hex digits after `\u`, or `None`.
    fn get_codepoint(&mut self) -> Option<u32> {
        let mut cp = 0;
        for _ in 0..4 {
            let c = self.get();
            let d = u8::try_from(c)
                .ok()
                .and_then(|b| (b as char).to_digit(16))?;
            cp = cp * 16 + d;
        }
        Some(cp)
    }

    /// The next byte must lie in one of `ranges` (inclusive pairs), each in turn.
    fn next_bytes_in(&mut self, ranges: &[(u8, u8)]) -> bool {
        self.add(self.current);
        for &(lo, hi) in ranges {
            let c = self.get();
            if c >= lo as i32 && c <= hi as i32 {
                self.add(c);
            } else {
                self.error_message = "invalid string: ill-formed UTF-8 byte";
                return false;
            }
        }
        true
    }

    fn push_codepoint(&mut self, cp: u32) {
        let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
        let mut buf = [0u8; 4];
        self.token_buffer
            .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }

    fn scan_string(&mut self) -> Token {
        self.reset();
        loop {
            let c = self.get();
            match c {
                EOF => {
                    self.error_message = "invalid string: missing closing quote";
                    return Token::ParseError;
                }
                0x22 => return Token::String,
                0x5c => {
                    let e = self.get();
                    match u8::try_from(e).unwrap_or(0) {
                        b'"' => self.add(b'"' as i32),
                        b'\\' => self.add(b'\\' as i32),
                        b'/' => self.add(b'/' as i32),
                        b'b' => self.add(0x08),
                        b'f' => self.add(0x0c),
                        b'n' => self.add(b'\n' as i32),
                        b'r' => self.add(b'\r' as i32),
                        b't' => self.add(b'\t' as i32),
                        b'u' => {
                            const BAD_HEX: &str =
                                "invalid string: '\\u' must be followed by 4 hex digits";
                            let Some(cp1) = self.get_codepoint() else {
                                self.error_message = BAD_HEX;
                                return Token::ParseError;
                            };
                            let cp = if (0xD800..=0xDBFF).contains(&cp1) {
                                const NO_LOW: &str = "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF";
                                if self.get() == b'\\' as i32 && self.get() == b'u' as i32 {
                                    let Some(cp2) = self.get_codepoint() else {
                                        self.error_message = BAD_HEX;
                                        return Token::ParseError;
                                    };
                                    if (0xDC00..=0xDFFF).contains(&cp2) {
                                        0x10000 + ((cp1 - 0xD800) << 10) + (cp2 - 0xDC00)
                                    } else {
                                        self.error_message = NO_LOW;
                                        return Token::ParseError;
                                    }
                                } else {
                                    self.error_message = NO_LOW;
                                    return Token::ParseError;
                                }
                            } else if (0xDC00..=0xDFFF).contains(&cp1) {
                                self.error_message = "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF";
                                return Token::ParseError;
                            } else {
                                cp1
                            };
                            self.push_codepoint(cp);
                        }
                        _ => {
                            self.error_message =
                                "invalid string: forbidden character after backslash";
                            return Token::ParseError;
                        }
                    }
                }
                0x00..=0x1f => {
                    self.error_message = control_character_message(c as u8);
                    return Token::ParseError;
                }
                0x20..=0x7f => self.add(c),
                0xC2..=0xDF => {
                    if !self.next_bytes_in(&[(0x80, 0xBF)]) {
                        return Token::ParseError;
                    }
                }
                0xE0 => {
                    if !self.next_bytes_in(&[(0xA0, 0xBF), (0x80, 0xBF)]) {
                        return Token::ParseError;
                    }
                }
                0xE1..=0xEC | 0xEE..=0xEF => {
                    if !self.next_bytes_in(&[(0x80, 0xBF), (0x80, 0xBF)]) {
                        return Token::ParseError;
                    }
                }
                0xED => {
                    if !self.next_bytes_in(&[(0x80, 0x9F), (0x80, 0xBF)]) {
                        return Token::ParseError;
                    }
                }
                0xF0 => {
                    if !self.next_bytes_in(&[(0x90, 0xBF), (0x80, 0xBF), (0x80, 0xBF)]) {
                        return Token::ParseError;
                    }
                }
                0xF1..=0xF3 => {
                    if !self.next_bytes_in(&[(0x80, 0xBF), (0x80, 0xBF), (0x80, 0xBF)]) {
                        return Token::ParseError;
                    }
                }
                0xF4 => {
                    if !self.next_bytes_in(&[(0x80, 0x8F), (0x80, 0xBF), (0x80, 0xBF)]) {
                        return Token::ParseError;
                    }
                }
                _ => {
                    self.error_message = "invalid string: ill-formed UTF-8 byte";
                    return Token::ParseError;
                }
            }
        }
    }

    fn is_digit(c: i32) -> bool {
        (b'0' as i32..=b'9' as i32).contains(&c)
    }

    fn scan_number(&mut self) -> Token {
        self.reset();
        let mut kind = Token::Unsigned;
        #[derive(PartialEq)]
        enum State {
            Minus,
            Zero,
            Any1,
            Decimal1,
            Decimal2,
            Exponent,
            Sign,
            Any2,
            Done,
        }
        let c = self.current;
        self.add(c);
        let mut state = if c == b'-' as i32 {
            State::Minus
        } else if c == b'0' as i32 {
            State::Zero
        } else {
            State::Any1
        };
        while state != State::Done {
            state = match state {
                State::Minus => {
                    kind = Token::Integer;
                    let c = self.get();
                    if c == b'0' as i32 {
                        self.add(c);
                        State::Zero
                    } else if Self::is_digit(c) {
                        self.add(c);
                        State::Any1
                    } else {
                        self.error_message = "invalid number; expected digit after '-'";
                        return Token::ParseError;
                    }
                }
                State::Zero | State::Any1 => {
                    let zero = state == State::Zero;
                    let c = self.get();
                    if !zero && Self::is_digit(c) {
                        self.add(c);
                        State::Any1
                    } else if c == b'.' as i32 {
                        self.add(c);
                        State::Decimal1
                    } else if c == b'e' as i32 || c == b'E' as i32 {
                        self.add(c);
                        State::Exponent
                    } else {
                        State::Done
                    }
                }
                State::Decimal1 => {
                    kind = Token::Float;
                    let c = self.get();
                    if Self::is_digit(c) {
                        self.add(c);
                        State::Decimal2
                    } else {
                        self.error_message = "invalid number; expected digit after '.'";
                        return Token::ParseError;
                    }
                }
                State::Decimal2 => {
                    let c = self.get();
                    if Self::is_digit(c) {
                        self.add(c);
                        State::Decimal2
                    } else if c == b'e' as i32 || c == b'E' as i32 {
                        self.add(c);
                        State::Exponent
                    } else {
                        State::Done
                    }
                }
                State::Exponent => {
                    kind = Token::Float;
                    let c = self.get();
                    if c == b'+' as i32 || c == b'-' as i32 {
                        self.add(c);
                        State::Sign
                    } else if Self::is_digit(c) {
                        self.add(c);
                        State::Any2
                    } else {
                        self.error_message =
                            "invalid number; expected '+', '-', or digit after exponent";
                        return Token::ParseError;
                    }
                }
                State::Sign => {
                    let c = self.get();
                    if Self::is_digit(c) {
                        self.add(c);
                        State::Any2
                    } else {
                        self.error_message = "invalid number; expected digit after exponent sign";
                        return Token::ParseError;
                    }
                }
                State::Any2 => {
                    let c = self.get();
                    if Self::is_digit(c) {
                        self.add(c);
                        State::Any2
                    } else {
                        State::Done
                    }
                }
                State::Done => State::Done,
            };
        }
        self.unget();
        // The buffer holds only ASCII digits, signs, '.' and exponents.
        let text = std::str::from_utf8(&self.token_buffer).unwrap_or("0");
        match kind {
            Token::Unsigned => {
                if let Ok(u) = text.parse::<u64>() {
                    self.value_unsigned = u;
                    return Token::Unsigned;
                }
            }
            Token::Integer => {
                if let Ok(i) = text.parse::<i64>() {
                    self.value_integer = i;
                    return Token::Integer;
                }
            }
            _ => {}
        }
        self.value_float = text.parse::<f64>().unwrap_or(f64::INFINITY);
        Token::Float
    }
}

/// The message for a raw control character inside a string.
fn control_character_message(c: u8) -> &'static str {
    const MESSAGES: [&str; 32] = [
        "invalid string: control character U+0000 (NUL) must be escaped to \\u0000",
        "invalid string: control character U+0001 (SOH) must be escaped to \\u0001",
        "invalid string: control character U+0002 (STX) must be escaped to \\u0002",
        "invalid string: control character U+0003 (ETX) must be escaped to \\u0003",
        "invalid string: control character U+0004 (EOT) must be escaped to \\u0004",
        "invalid string: control character U+0005 (ENQ) must be escaped to \\u0005",
        "invalid string: control character U+0006 (ACK) must be escaped to \\u0006",
        "invalid string: control character U+0007 (BEL) must be escaped to \\u0007",
        "invalid string: control character U+0008 (BS) must be escaped to \\u0008 or \\b",
        "invalid string: control character U+0009 (HT) must be escaped to \\u0009 or \\t",
        "invalid string: control character U+000A (LF) must be escaped to \\u000A or \\n",
        "invalid string: control character U+000B (VT) must be escaped to \\u000B",
        "invalid string: control character U+000C (FF) must be escaped to \\u000C or \\f",
        "invalid string: control character U+000D (CR) must be escaped to \\u000D or \\r",
        "invalid string: control character U+000E (SO) must be escaped to \\u000E",
        "invalid string: control character U+000F (SI) must be escaped to \\u000F",
        "invalid string: control character U+0010 (DLE) must be escaped to \\u0010",
        "invalid string: control character U+0011 (DC1) must be escaped to \\u0011",
        "invalid string: control character U+0012 (DC2) must be escaped to \\u0012",
        "invalid string: control character U+0013 (DC3) must be escaped to \\u0013",
        "invalid string: control character U+0014 (DC4) must be escaped to \\u0014",
        "invalid string: control character U+0015 (NAK) must be escaped to \\u0015",
        "invalid string: control character U+0016 (SYN) must be escaped to \\u0016",
        "invalid string: control character U+0017 (ETB) must be escaped to \\u0017",
        "invalid string: control character U+0018 (CAN) must be escaped to \\u0018",
        "invalid string: control character U+0019 (EM) must be escaped to \\u0019",
        "invalid string: control character U+001A (SUB) must be escaped to \\u001A",
        "invalid string: control character U+001B (ESC) must be escaped to \\u001B",
        "invalid string: control character U+001C (FS) must be escaped to \\u001C",
        "invalid string: control character U+001D (GS) must be escaped to \\u001D",
        "invalid string: control character U+001E (RS) must be escaped to \\u001E",
        "invalid string: control character U+001F (US) must be escaped to \\u001F",
    ];
    MESSAGES[(c & 0x1f) as usize]
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    last: Token,
}

/// A container being filled.
enum Open {
    Array(Vec<Json>),
    Object(Vec<(Vec<u8>, Json)>, Vec<u8>),
}

impl Parser<'_> {
    fn next_token(&mut self) -> Token {
        self.last = self.lexer.scan();
        self.last
    }

    fn syntax_error(&self, expected: Token, context: &str) -> String {
        let mut msg = format!("syntax error while parsing {context} - ");
        if self.last == Token::ParseError {
            let _ = write!(
                msg,
                "{}; last read: '{}'",
                self.lexer.error_message,
                self.lexer.token_string()
            );
        } else {
            let _ = write!(msg, "unexpected {}", self.last.name());
        }
        if expected != Token::Uninitialized {
            let _ = write!(msg, "; expected {}", expected.name());
        }
        format!(
            "[json.exception.parse_error.101] parse error at {}: {msg}",
            self.lexer.position()
        )
    }

    fn take_string(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.lexer.token_buffer)
    }

    /// Parse one document that must fill the whole input.
    fn parse(&mut self) -> Result<Json, String> {
        let mut stack: Vec<Open> = Vec::new();
        self.next_token();
        loop {
            // Read one value (or open a container and go round again).
            let mut value = match self.last {
                Token::BeginObject => {
                    if self.next_token() == Token::EndObject {
                        Json::Object(Vec::new())
                    } else {
                        if self.last != Token::String {
                            return Err(self.syntax_error(Token::String, "object key"));
                        }
                        let key = self.take_string();
                        if self.next_token() != Token::NameSeparator {
                            return Err(self.syntax_error(Token::NameSeparator, "object separator"));
                        }
                        stack.push(Open::Object(Vec::new(), key));
                        self.next_token();
                        continue;
                    }
                }
                Token::BeginArray => {
                    if self.next_token() == Token::EndArray {
                        Json::Array(Vec::new())
                    } else {
                        stack.push(Open::Array(Vec::new()));
                        continue;
                    }
                }
                Token::Float => {
                    let f = self.lexer.value_float;
                    if !f.is_finite() {
                        return Err(format!(
                            "[json.exception.out_of_range.406] number overflow parsing '{}'",
                            self.lexer.token_string()
                        ));
                    }
                    Json::Float(f)
                }
                Token::False => Json::Bool(false),
                Token::True => Json::Bool(true),
                Token::Null => Json::Null,
                Token::Integer => Json::Integer(self.lexer.value_integer),
                Token::Unsigned => Json::Unsigned(self.lexer.value_unsigned),
                Token::String => Json::String(self.take_string()),
                Token::ParseError => return Err(self.syntax_error(Token::Uninitialized, "value")),
                _ => return Err(self.syntax_error(Token::LiteralOrValue, "value")),
            };
            // A value is complete: put it into its container, closing containers as they end.
            loop {
                match stack.last_mut() {
                    None => {
                        if self.next_token() != Token::EndOfInput {
                            return Err(self.syntax_error(Token::EndOfInput, "value"));
                        }
                        return Ok(value);
                    }
                    Some(Open::Array(items)) => {
                        items.push(value);
                        if self.next_token() == Token::ValueSeparator {
                            self.next_token();
                            break;
                        }
                        if self.last != Token::EndArray {
                            return Err(self.syntax_error(Token::EndArray, "array"));
                        }
                        let Some(Open::Array(items)) = stack.pop() else {
                            unreachable!("the top of the stack is an array")
                        };
                        value = Json::Array(items);
                    }
                    Some(Open::Object(members, key)) => {
                        members.push((std::mem::take(key), value));
                        if self.next_token() == Token::ValueSeparator {
                            if self.next_token() != Token::String {
                                return Err(self.syntax_error(Token::String, "object key"));
                            }
                            let new_key = self.take_string();
                            if self.next_token() != Token::NameSeparator {
                                return Err(
                                    self.syntax_error(Token::NameSeparator, "object separator")
                                );
                            }
                            if let Some(Open::Object(_, key)) = stack.last_mut() {
                                *key = new_key;
                            }
                            self.next_token();
                            break;
                        }
                        if self.last != Token::EndObject {
                            return Err(self.syntax_error(Token::EndObject, "object"));
                        }
                        let Some(Open::Object(members, _)) = stack.pop() else {
                            unreachable!("the top of the stack is an object")
                        };
                        value = Json::Object(members);
                    }
                }
            }
        }
    }
}

/// Parse a JSON document as Nix 2.8 does; the error is the message Nix prints.
pub fn parse_json(input: &[u8]) -> Result<Json, String> {
    Parser {
        lexer: Lexer::new(input),
        last: Token::Uninitialized,
    }
    .parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_numbers() {
        assert_eq!(
            parse_json(br#" {"a": [1, -2, 3.5, true, null, "x\u00e9"]} "#).unwrap(),
            Json::Object(vec![(
                b"a".to_vec(),
                Json::Array(vec![
                    Json::Unsigned(1),
                    Json::Integer(-2),
                    Json::Float(3.5),
                    Json::Bool(true),
                    Json::Null,
                    Json::String("xé".as_bytes().to_vec()),
                ])
            )])
        );
        assert_eq!(
            parse_json(b"18446744073709551616").unwrap(),
            Json::Float(18446744073709551616.0)
        );
        assert_eq!(parse_json(b"-0").unwrap(), Json::Integer(0));
    }

    #[test]
    fn errors_name_the_position_and_token() {
        assert_eq!(
            parse_json(b"[1,]").unwrap_err(),
            "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error \
             while parsing value - unexpected ']'; expected '[', '{', or a literal"
        );
        assert_eq!(
            parse_json(b"[tru").unwrap_err(),
            "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error \
             while parsing value - invalid literal; last read: '[tru'"
        );
        assert_eq!(
            parse_json(b"1e999").unwrap_err(),
            "[json.exception.out_of_range.406] number overflow parsing '1e999'"
        );
    }
}
