//! Debian package versions (`[epoch:]upstream[-revision]`) and their order,
//! as dpkg defines it: epochs numerically, then upstream version and
//! revision by alternating non-digit runs (letters before non-letters, `~`
//! before everything, even the end) and digit runs (numerically).

use std::cmp::Ordering;
use std::fmt;

/// A parsed Debian version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    /// The epoch (0 when absent).
    pub epoch: u64,
    /// The upstream version.
    pub upstream: String,
    /// The Debian revision ("" when absent).
    pub revision: String,
}

/// A version string dpkg would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Debian version '{text}': {reason}")]
pub struct VersionError {
    /// The text.
    pub text: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl Version {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Version, VersionError> {
        let err = |reason| VersionError {
            text: text.to_string(),
            reason,
        };
        let t = text.trim();
        if t.is_empty() {
            return Err(err("it is empty"));
        }
        let (epoch, rest) = match t.split_once(':') {
            Some((e, rest)) => (
                e.parse::<u64>()
                    .map_err(|_| err("the epoch is not a number"))?,
                rest,
            ),
            None => (0, t),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(err("the upstream version is empty"));
        }
        if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(err("the upstream version does not start with a digit"));
        }
        let ok = |c: char| c.is_ascii_alphanumeric() || ".+~-:".contains(c);
        if !upstream.chars().all(ok) || !revision.chars().all(|c| ok(c) && c != '-' && c != ':') {
            return Err(err("it contains a character dpkg does not allow"));
        }
        Ok(Version {
            epoch,
            upstream: upstream.to_string(),
            revision: revision.to_string(),
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.upstream)?;
        if !self.revision.is_empty() {
            write!(f, "-{}", self.revision)?;
        }
        Ok(())
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| compare_part(&self.upstream, &other.upstream))
            .then_with(|| compare_part(&self.revision, &other.revision))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The weight of one character in a non-digit run: `~` sorts first, then
/// the end of the run, then letters, then everything else.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => c as i32,
        Some(c) => c as i32 + 256,
    }
}

/// dpkg's comparison of one version part.
fn compare_part(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // Non-digit runs, character by character.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ca = order(a.get(i).copied().filter(|c| !c.is_ascii_digit()));
            let cb = order(b.get(j).copied().filter(|c| !c.is_ascii_digit()));
            if ca != cb {
                return ca.cmp(&cb);
            }
            if i < a.len() && !a[i].is_ascii_digit() {
                i += 1;
            }
            if j < b.len() && !b[j].is_ascii_digit() {
                j += 1;
            }
        }
        // Digit runs, numerically (leading zeros ignored).
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let (si, sj) = (i, j);
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (da, db) = (&a[si..i], &b[sj..j]);
        let by_len = da.len().cmp(&db.len());
        if by_len != Ordering::Equal {
            return by_len;
        }
        let by_digits = da.cmp(db);
        if by_digits != Ordering::Equal {
            return by_digits;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn parts() {
        let x = v("1:2.36-9+deb12u4");
        assert_eq!(
            (x.epoch, &*x.upstream, &*x.revision),
            (1, "2.36", "9+deb12u4")
        );
        assert_eq!(x.to_string(), "1:2.36-9+deb12u4");
        let y = v("12.2.0-14");
        assert_eq!((y.epoch, &*y.upstream, &*y.revision), (0, "12.2.0", "14"));
        let z = v("1.0-rc1-2");
        assert_eq!((&*z.upstream, &*z.revision), ("1.0-rc1", "2"));
        assert!(Version::parse("").is_err());
        assert!(Version::parse("a1").is_err());
        assert!(Version::parse("x:1").is_err());
        assert!(Version::parse("1 2").is_err());
    }

    #[test]
    fn ordering() {
        let less = [
            ("1.0", "1.1"),
            ("1.0~rc1", "1.0"),
            ("1.0~~", "1.0~"),
            ("1.0", "1.0a"),
            ("1.0a", "1.0+"),
            ("1.0", "1.0-1"),
            ("1.0-1", "1.0-2"),
            ("1.9", "1.10"),
            ("9", "1:0"),
            ("2.36-9", "2.36-9+deb12u4"),
            ("2.36-9+deb12u3", "2.36-9+deb12u10"),
            ("12.2.0-14", "12.2.0-14+deb12u1"),
            ("1.001", "1.2"),
        ];
        for (a, b) in less {
            assert_eq!(v(a).cmp(&v(b)), Ordering::Less, "{a} < {b}");
            assert_eq!(v(b).cmp(&v(a)), Ordering::Greater, "{b} > {a}");
        }
        assert_eq!(v("1.01").cmp(&v("1.1")), Ordering::Equal);
        assert_eq!(v("0:1.0").cmp(&v("1.0")), Ordering::Equal);
    }

    /// Compares with dpkg itself on versions from this machine's status file,
    /// when dpkg is installed.
    #[test]
    fn agrees_with_dpkg() {
        let Ok(status) = std::fs::read_to_string("/var/lib/dpkg/status") else {
            return;
        };
        let mut versions: Vec<String> = status
            .lines()
            .filter_map(|l| l.strip_prefix("Version: "))
            .map(str::to_string)
            .collect();
        versions.sort();
        versions.dedup();
        let sample: Vec<&String> = versions.iter().step_by(versions.len() / 12 + 1).collect();
        for a in &sample {
            for b in &sample {
                let ours = v(a).cmp(&v(b));
                let op = match ours {
                    Ordering::Less => "lt",
                    Ordering::Equal => "eq",
                    Ordering::Greater => "gt",
                };
                let Ok(st) = std::process::Command::new("dpkg")
                    .args(["--compare-versions", a, op, b])
                    .status()
                else {
                    return;
                };
                assert!(st.success(), "dpkg disagrees: {a} {op} {b}");
            }
        }
    }
}
