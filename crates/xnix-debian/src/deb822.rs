//! Debian's control-file syntax (deb822): paragraphs of `Field: value`
//! lines separated by blank lines, where a line starting with white space
//! continues the previous field. Field names compare case-insensitively.

/// One paragraph: its fields in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    fields: Vec<(String, String)>,
    /// The 1-based line the paragraph starts on, for messages.
    pub line: usize,
}

impl Paragraph {
    /// The value of field `name` (case-insensitive). Continuation lines are
    /// joined with `\n`, leading white space of each removed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The fields in file order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Adds a field at the end.
    pub fn push(&mut self, name: &str, value: &str) {
        self.fields.push((name.to_string(), value.to_string()));
    }
}

/// A line that is neither a field, a continuation, a comment nor blank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: expected 'Field: value' or a continuation line, found '{text}'")]
pub struct Deb822Error {
    /// 1-based line number.
    pub line: usize,
    /// The line (shortened).
    pub text: String,
}

/// Parses every paragraph of `text`. Lines starting with `#` are comments
/// (as in APT's `.sources` files; Packages indexes have none).
pub fn parse(text: &str) -> Result<Vec<Paragraph>, Deb822Error> {
    let mut out = Vec::new();
    let mut current = Paragraph::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            if !current.fields.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            match current.fields.last_mut() {
                Some((_, value)) => {
                    let rest = line.trim_start();
                    if !value.is_empty() {
                        value.push('\n');
                    }
                    value.push_str(rest);
                }
                None => {
                    return Err(Deb822Error {
                        line: number,
                        text: line.chars().take(80).collect(),
                    })
                }
            }
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) if !key.is_empty() && !key.contains(char::is_whitespace) => {
                if current.fields.is_empty() {
                    current.line = number;
                }
                current
                    .fields
                    .push((key.to_string(), value.trim().to_string()));
            }
            _ => {
                return Err(Deb822Error {
                    line: number,
                    text: line.chars().take(80).collect(),
                })
            }
        }
    }
    if !current.fields.is_empty() {
        out.push(current);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_continuations() {
        let text =
            "Package: a\nDescription: short\n long line\n .\n more\n\n\nPackage: b\nversion: 1\n";
        let ps = parse(text).unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].get("package"), Some("a"));
        assert_eq!(ps[0].get("Description"), Some("short\nlong line\n.\nmore"));
        assert_eq!(ps[1].get("Version"), Some("1"));
        assert_eq!(ps[1].line, 8);
    }

    #[test]
    fn bad_lines_are_errors() {
        let e = parse("Package: a\nno colon here\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(parse(" leading continuation\n").is_err());
    }
}
