//! Relationship fields (`Depends`, `Pre-Depends`, `Provides`, ...):
//! comma-separated groups of `|`-separated alternatives, each a package
//! name with an optional architecture qualifier (`:any`, `:native`,
//! `:amd64`), version constraint (`(>= 2.36)`), architecture restriction
//! (`[amd64 !i386]`) and build profiles (`<!nocheck>`).

use std::fmt;

use crate::version::{Version, VersionError};

/// A version constraint operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<<`
    Less,
    /// `<=` (and the obsolete `<`)
    LessEq,
    /// `=`
    Eq,
    /// `>=` (and the obsolete `>`)
    GreaterEq,
    /// `>>`
    Greater,
}

impl Op {
    /// Whether `have OP want` holds.
    pub fn holds(self, have: &Version, want: &Version) -> bool {
        use std::cmp::Ordering::*;
        let c = have.cmp(want);
        match self {
            Op::Less => c == Less,
            Op::LessEq => c != Greater,
            Op::Eq => c == Equal,
            Op::GreaterEq => c != Less,
            Op::Greater => c == Greater,
        }
    }

    fn text(self) -> &'static str {
        match self {
            Op::Less => "<<",
            Op::LessEq => "<=",
            Op::Eq => "=",
            Op::GreaterEq => ">=",
            Op::Greater => ">>",
        }
    }
}

/// One alternative: a package, maybe qualified and constrained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The package name.
    pub name: String,
    /// The architecture qualifier after `:`, if any.
    pub arch_qualifier: Option<String>,
    /// The version constraint, if any.
    pub version: Option<(Op, Version)>,
    /// Architecture restriction list (`[...]`), as written.
    pub arches: Vec<String>,
}

impl Relation {
    /// Whether the relation applies on architecture `arch` (its `[...]`
    /// list, if any, admits it).
    pub fn applies_on(&self, arch: &str) -> bool {
        if self.arches.is_empty() {
            return true;
        }
        let negated = self.arches.iter().all(|a| a.starts_with('!'));
        if negated {
            !self.arches.iter().any(|a| &a[1..] == arch)
        } else {
            self.arches.iter().any(|a| a == arch)
        }
    }

    /// Whether `version` satisfies the constraint.
    pub fn admits(&self, version: &Version) -> bool {
        self.version
            .as_ref()
            .is_none_or(|(op, want)| op.holds(version, want))
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(q) = &self.arch_qualifier {
            write!(f, ":{q}")?;
        }
        if let Some((op, v)) = &self.version {
            write!(f, " ({} {v})", op.text())?;
        }
        Ok(())
    }
}

/// A relationship field that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelationError {
    /// A malformed alternative.
    #[error("cannot parse the relation '{text}': {reason}")]
    Syntax {
        /// The alternative.
        text: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A bad version inside a constraint.
    #[error(transparent)]
    Version(#[from] VersionError),
}

/// Parses a relationship field into groups of alternatives.
pub fn parse_relations(text: &str) -> Result<Vec<Vec<Relation>>, RelationError> {
    let mut groups = Vec::new();
    for group in text.split(',') {
        if group.trim().is_empty() {
            continue;
        }
        let mut alternatives = Vec::new();
        for alt in group.split('|') {
            alternatives.push(parse_one(alt.trim())?);
        }
        groups.push(alternatives);
    }
    Ok(groups)
}

fn parse_one(text: &str) -> Result<Relation, RelationError> {
    let syntax = |reason| RelationError::Syntax {
        text: text.to_string(),
        reason,
    };
    let mut rest = text;
    // Build profiles are irrelevant for binary packages' fields.
    if let Some(at) = rest.find('<') {
        if !rest[at..].starts_with("<<")
            && !rest[at..].starts_with("<=")
            && !rest[..at].contains('(')
        {
            rest = rest[..at].trim_end();
        }
    }
    let name_end = rest
        .find(|c: char| c.is_whitespace() || c == '(' || c == '[')
        .unwrap_or(rest.len());
    let (full_name, mut tail) = (&rest[..name_end], rest[name_end..].trim_start());
    if full_name.is_empty() {
        return Err(syntax("the package name is missing"));
    }
    let (name, arch_qualifier) = match full_name.split_once(':') {
        Some((n, q)) => (n, Some(q.to_string())),
        None => (full_name, None),
    };
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
    {
        return Err(syntax(
            "the package name has characters Debian does not allow",
        ));
    }
    let mut version = None;
    if let Some(inner) = tail.strip_prefix('(') {
        let close = inner
            .find(')')
            .ok_or_else(|| syntax("a '(' is not closed"))?;
        let constraint = inner[..close].trim();
        tail = inner[close + 1..].trim_start();
        let op_len = constraint
            .find(|c: char| !"<>=".contains(c))
            .ok_or_else(|| syntax("the version constraint has no version"))?;
        let op = match &constraint[..op_len] {
            "<<" => Op::Less,
            "<=" | "<" => Op::LessEq,
            "=" => Op::Eq,
            ">=" | ">" => Op::GreaterEq,
            ">>" => Op::Greater,
            _ => return Err(syntax("unknown version operator")),
        };
        version = Some((op, Version::parse(constraint[op_len..].trim())?));
    }
    let mut arches = Vec::new();
    if let Some(inner) = tail.strip_prefix('[') {
        let close = inner
            .find(']')
            .ok_or_else(|| syntax("a '[' is not closed"))?;
        arches = inner[..close]
            .split_whitespace()
            .map(str::to_string)
            .collect();
        tail = inner[close + 1..].trim_start();
    }
    if !tail.is_empty() {
        return Err(syntax("unexpected text after the relation"));
    }
    Ok(Relation {
        name: name.to_string(),
        arch_qualifier,
        version,
        arches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_alternatives_constraints() {
        let g = parse_relations(
            "libc6 (>= 2.34), gcc-12-base (= 12.2.0-14) | foo:any, python3:any (<< 3.12) [amd64 !i386], bar <!nocheck>",
        )
        .unwrap();
        assert_eq!(g.len(), 4);
        assert_eq!(g[0][0].name, "libc6");
        assert_eq!(g[0][0].version.as_ref().unwrap().0, Op::GreaterEq);
        assert_eq!(g[1].len(), 2);
        assert_eq!(g[1][1].arch_qualifier.as_deref(), Some("any"));
        assert_eq!(g[2][0].arches, vec!["amd64", "!i386"]);
        assert_eq!(g[3][0].name, "bar");
        assert!(g[0][0].admits(&Version::parse("2.36-9").unwrap()));
        assert!(!g[0][0].admits(&Version::parse("2.31-1").unwrap()));
        assert_eq!(g[2][0].to_string(), "python3:any (<< 3.12)");
    }

    #[test]
    fn arch_restrictions() {
        let r = &parse_relations("a [!i386 !arm64]").unwrap()[0][0];
        assert!(r.applies_on("amd64"));
        assert!(!r.applies_on("arm64"));
        let r = &parse_relations("a [arm64]").unwrap()[0][0];
        assert!(!r.applies_on("amd64"));
    }

    #[test]
    fn errors() {
        assert!(parse_relations("libc6 (>= 2.3").is_err());
        assert!(parse_relations("libc6 (~~ 2)").is_err());
        assert!(parse_relations("Libc6").is_err());
        assert!(parse_relations("a b").is_err());
    }
}
