//! Nix strings are byte strings; ours are Rust `String`s. Bytes that are not valid UTF-8 (from
//! `substring` cutting a character, byte-wise regular expressions, files that are not UTF-8)
//! are kept as characters of a private-use range, one per byte, and turned back into the raw
//! byte on output. Valid UTF-8 text is represented as itself, so this costs nothing for it.

/// The first character of the range: byte `b` (0x80..=0xFF) is `BASE + b`.
const BASE: u32 = 0x10FF00;

/// Whether `s` may hold encoded raw bytes (all such characters start with byte 0xF4).
#[inline]
fn may_hold_raw(s: &str) -> bool {
    s.as_bytes().contains(&0xF4)
}

fn raw_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if (BASE + 0x80..=BASE + 0xFF).contains(&u) {
        Some((u - BASE) as u8)
    } else {
        None
    }
}

/// The bytes a string stands for.
pub fn to_bytes(s: &str) -> std::borrow::Cow<'_, [u8]> {
    if !may_hold_raw(s) {
        return std::borrow::Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match raw_byte(c) {
            Some(b) => out.push(b),
            None => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A string for arbitrary bytes: valid UTF-8 stays as it is, other bytes are encoded.
pub fn from_bytes(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::with_capacity(b.len() + 8);
            let mut rest = b;
            loop {
                match std::str::from_utf8(rest) {
                    Ok(s) => {
                        out.push_str(s);
                        break;
                    }
                    Err(e) => {
                        let (good, bad) = rest.split_at(e.valid_up_to());
                        out.push_str(std::str::from_utf8(good).expect("valid prefix"));
                        let n = e.error_len().unwrap_or(bad.len()).max(1);
                        for &byte in &bad[..n] {
                            out.push(
                                char::from_u32(BASE + byte as u32)
                                    .expect("in the private-use range"),
                            );
                        }
                        rest = &bad[n..];
                    }
                }
            }
            out
        }
    }
}

/// The length in bytes of what a string stands for.
pub fn byte_len(s: &str) -> usize {
    if !may_hold_raw(s) {
        return s.len();
    }
    s.chars()
        .map(|c| {
            if raw_byte(c).is_some() {
                1
            } else {
                c.len_utf8()
            }
        })
        .sum()
}

/// Whether canonical strings `a` and `b` joined are canonical as they are: no raw byte at the
/// end of `a` or the start of `b` that could combine into a character across the join.
#[inline]
pub fn joins_canonically(a: &str, b: &str) -> bool {
    a.chars().next_back().is_none_or(|c| raw_byte(c).is_none())
        && b.chars().next().is_none_or(|c| raw_byte(c).is_none())
}

/// The canonical form of a string: raw bytes that together form valid UTF-8 (two halves of a
/// character joined again) become that character, so equal bytes are equal strings.
#[inline]
pub fn normalize(s: String) -> String {
    if !may_hold_raw(&s) {
        return s;
    }
    from_bytes(&to_bytes(&s))
}
