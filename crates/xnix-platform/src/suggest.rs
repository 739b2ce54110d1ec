//! "Did you mean" suggestions for misspelt platform components and names.

/// Up to three candidates close to `name`, best first.
///
/// Closeness is the Jaro-Winkler similarity, which favours a shared prefix
/// (`armv7` is close to `armv7l` and `armv7a`). Among the candidates that are
/// about as close as the best one, those in `preferred` (names in common use)
/// win, so `armv7` suggests `armv7l` and `armv7a` rather than every ARMv7
/// profile; order otherwise follows `candidates`.
pub fn nearest(name: &str, candidates: &[&str], preferred: &[&str]) -> Vec<String> {
    let mut scored: Vec<(f64, usize, &str)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (strsim::jaro_winkler(name, c), i, *c))
        .filter(|(s, _, c)| *s >= 0.8 && *c != name)
        .collect();
    scored.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
    });
    let Some(best) = scored.first().map(|s| s.0) else {
        return Vec::new();
    };
    let close: Vec<&str> = scored
        .iter()
        .filter(|s| s.0 >= best - 0.03)
        .map(|s| s.2)
        .collect();
    let mut out: Vec<String> = Vec::new();
    let common: Vec<&str> = close
        .iter()
        .copied()
        .filter(|c| preferred.contains(c))
        .collect();
    let pick = if common.is_empty() { close } else { common };
    for c in pick {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
        if out.len() == 3 {
            break;
        }
    }
    out
}
