//! String builtins: length, substrings, replacement, regular expressions, hashes, context.

use std::rc::Rc;

use super::{mk_attrs, BuiltinDef};
use crate::error::EvalError;
use crate::eval::R;
use crate::value::{merge_ctx, Attr, Attrs, NixString, Pos, Value};
use crate::Evaluator;

pub(super) const BUILTINS: &[BuiltinDef] = &[
    ("stringLength", 1, string_length),
    ("substring", 3, substring),
    ("concatStringsSep", 2, concat_strings_sep),
    ("replaceStrings", 3, replace_strings),
    ("toString", 1, to_string),
    ("match", 2, match_),
    ("split", 2, split),
    ("hashString", 2, hash_string),
    ("unsafeDiscardStringContext", 1, discard_context),
    (
        "unsafeDiscardOutputDependency",
        1,
        discard_output_dependency,
    ),
    ("hasContext", 1, has_context),
    ("getContext", 1, get_context),
    ("appendContext", 2, append_context),
];

fn string_length(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.coerce_to_string(a[0].clone(), pos, false, true)?;
    Ok(Value::Int(crate::bytes::byte_len(&s.s) as i64))
}

/// Byte-slice a string, repairing a cut through a UTF-8 sequence.
fn byte_substr(s: &str, start: usize, len: usize) -> String {
    let b = crate::bytes::to_bytes(s);
    if start >= b.len() {
        return String::new();
    }
    let end = start.saturating_add(len).min(b.len());
    crate::bytes::from_bytes(&b[start..end])
}

fn substring(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let start = ev.force_int(a[0].clone(), pos)?;
    let len = ev.force_int(a[1].clone(), pos)?;
    let s = ev.coerce_to_string(a[2].clone(), pos, false, true)?;
    if start < 0 {
        return Err(EvalError::msg(
            "negative start position in 'substring'",
            pos,
        ));
    }
    let len = if len < 0 { usize::MAX } else { len as usize };
    Ok(Value::str_ctx(
        byte_substr(&s.s, start as usize, len),
        s.ctx,
    ))
}

fn concat_strings_sep(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let sep = ev.force_string_v(a[0].clone(), pos)?;
    let l = ev.force_list(a[1].clone(), pos)?;
    let mut out = String::new();
    let mut ctx = sep.ctx.clone();
    for (i, x) in l.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep.s);
        }
        ev.coerce_into(x.clone(), pos, false, true, &mut out, &mut ctx)?;
    }
    Ok(Value::str_ctx(out, ctx))
}

fn replace_strings(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let from = ev.force_list(a[0].clone(), pos)?;
    let to = ev.force_list(a[1].clone(), pos)?;
    if from.len() != to.len() {
        return Err(EvalError::msg(
            "'from' and 'to' arguments to 'replaceStrings' have different lengths",
            pos,
        ));
    }
    let mut pats = Vec::with_capacity(from.len());
    for f in from.iter() {
        pats.push(ev.force_str(f.clone(), pos)?);
    }
    let mut reps: Vec<Option<Rc<NixString>>> = Vec::with_capacity(to.len());
    for t in to.iter() {
        reps.push(Some(ev.force_string_v(t.clone(), pos)?));
    }
    // The subject must be a string: Nix coerces nothing here (no paths, no `__toString`).
    let s = ev.force_string_v(a[2].clone(), pos)?;
    let bytes = s.s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut ctx = s.ctx.clone();
    let mut p = 0;
    while p <= bytes.len() {
        let mut found = false;
        for (k, pat) in pats.iter().enumerate() {
            if bytes[p..].starts_with(pat.as_bytes()) {
                found = true;
                if reps[k].is_none() {
                    reps[k] = Some(ev.force_string_v(to[k].clone(), pos)?);
                }
                let r = reps[k].as_ref().expect("just set");
                out.extend_from_slice(r.s.as_bytes());
                merge_ctx(&mut ctx, &r.ctx);
                if pat.is_empty() {
                    if p < bytes.len() {
                        out.push(bytes[p]);
                    }
                    p += 1;
                } else {
                    p += pat.len();
                }
                break;
            }
        }
        if !found {
            if p < bytes.len() {
                out.push(bytes[p]);
            }
            p += 1;
        }
    }
    Ok(Value::str_ctx(crate::bytes::from_bytes(&out), ctx))
}

fn to_string(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.coerce_to_string(a[0].clone(), pos, true, false)?;
    Ok(Value::String(Rc::new(s)))
}

/// Translate a POSIX extended regular expression into the regex crate's syntax.
pub(crate) fn posix_to_regex(re: &str) -> Option<String> {
    let mut out = String::with_capacity(re.len() + 8);
    let chars: Vec<char> = re.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            // POSIX extended syntax only allows escaping the special characters.
            if !"^.[$()|*+?{\\".contains(chars[i + 1]) {
                return None;
            }
            out.push('\\');
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '[' {
            // Copy a bracket expression, escaping what the regex crate treats specially.
            let mut j = i + 1;
            out.push('[');
            if j < chars.len() && chars[j] == '^' {
                out.push('^');
                j += 1;
            }
            if j < chars.len() && chars[j] == ']' {
                out.push_str("\\]");
                j += 1;
            }
            while j < chars.len() && chars[j] != ']' {
                if chars[j] == '[' && j + 1 < chars.len() && matches!(chars[j + 1], ':' | '.' | '=')
                {
                    let close = chars[j + 1];
                    let start = j;
                    j += 2;
                    while j + 1 < chars.len() && !(chars[j] == close && chars[j + 1] == ']') {
                        j += 1;
                    }
                    j += 2;
                    out.extend(&chars[start..j.min(chars.len())]);
                    continue;
                }
                // A range may not be followed by another `-` range (`[a-c-e]`).
                if chars[j] == '-'
                    && j >= 2
                    && chars[j - 2] == '-'
                    && j + 1 < chars.len()
                    && chars[j + 1] != ']'
                {
                    return None;
                }
                match chars[j] {
                    '\\' => out.push_str("\\\\"),
                    '[' => out.push_str("\\["),
                    '&' | '~' | '-' if false => {}
                    '&' => out.push_str("\\&"),
                    '~' => out.push_str("\\~"),
                    c => push_literal(&mut out, c),
                }
                j += 1;
            }
            out.push(']');
            i = j + 1;
            continue;
        }
        if c == '{' {
            // A brace not starting a valid interval is literal in practice.
            let rest: String = chars[i + 1..].iter().collect();
            let valid = rest.find('}').map(|e| {
                let inner = &rest[..e];
                !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit() || c == ',')
            });
            if valid != Some(true) {
                out.push_str("\\{");
                i += 1;
                continue;
            }
        }
        if c == '}' {
            // Only intervals reach here through the branch above; a stray one is literal.
            let open = out.rfind('{');
            let close = out.rfind('}');
            if open.is_none() || close > open || out.ends_with("\\{") {
                out.push_str("\\}");
                i += 1;
                continue;
            }
        }
        push_literal(&mut out, c);
        i += 1;
    }
    Some(out)
}

pub(crate) fn compile_regex(
    ev: &Evaluator,
    re: &str,
    anchored: bool,
    pos: Pos,
) -> R<Rc<regex::bytes::Regex>> {
    let key = format!("{}{re}", if anchored { 'A' } else { 'U' });
    if let Some(r) = ev.regex_cache.borrow().get(&key) {
        return Ok(r.clone());
    }
    let translated = posix_to_regex(re)
        .ok_or_else(|| EvalError::msg(format!("invalid regular expression '{re}'"), pos))?;
    // Nix matches bytes, not characters (`.` matches one byte of a multi-byte character).
    let build = |flags: &str| {
        let full = if anchored {
            format!("(?s{flags})^(?:{translated})$")
        } else {
            format!("(?s{flags}){translated}")
        };
        regex::bytes::RegexBuilder::new(&full)
            .size_limit(1 << 26)
            .build()
    };
    let posix = {
        let full = if anchored {
            format!("^(?:{translated})$")
        } else {
            translated.clone()
        };
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .dot_matches_new_line(true)
            .build()
            .parse(&full)
            .ok()
            .map(|h| fix_nullable_repeats(&h).to_string())
            .and_then(|p| {
                regex::bytes::RegexBuilder::new(&p)
                    .size_limit(1 << 26)
                    .build()
                    .ok()
            })
    };
    let r = posix
        .ok_or(())
        .or_else(|_| build("-u"))
        .or_else(|_| build(""))
        .map_err(|_| EvalError::msg(format!("invalid regular expression '{re}'"), pos))?;
    let r = Rc::new(r);
    ev.regex_cache.borrow_mut().insert(key, r.clone());
    Ok(r)
}

fn groups(c: &regex::bytes::Captures<'_>) -> Value {
    Value::list(
        (1..c.len())
            .map(|i| {
                c.get(i)
                    .map(|m| Value::str(crate::bytes::from_bytes(m.as_bytes())))
                    .unwrap_or(Value::Null)
            })
            .collect(),
    )
}

fn match_(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let re = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let s = ev.force_string_v(a[1].clone(), pos)?;
    let r = compile_regex(ev, &re, true, pos)?;
    let text = crate::bytes::to_bytes(&s.s);
    match r.captures(&text) {
        None => Ok(Value::Null),
        Some(c) => Ok(groups(&c)),
    }
}

fn split(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let re = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let s = ev.force_string_v(a[1].clone(), pos)?;
    let r = compile_regex(ev, &re, false, pos)?;
    let full = compile_regex(ev, &re, true, pos)?;
    let longest = longest_matcher(&re);
    let mut out = Vec::new();
    let mut last = 0;
    let mut search = 0;
    let text = crate::bytes::to_bytes(&s.s);
    let text: &[u8] = &text;
    // Iterate as C++'s regex_iterator does: an empty match right after a non-empty one counts.
    while search <= text.len() {
        let Some(c) = r.captures_at(text, search) else {
            break;
        };
        let m = c.get(0).expect("group 0");
        // POSIX takes the longest match at the leftmost position (`a|ab` matches `ab`).
        let end = longest_end(&longest, text, m.start())
            .unwrap_or(m.end())
            .max(m.end());
        let longer = if end > m.end() {
            full.captures(&text[m.start()..end])
        } else {
            None
        };
        out.push(Value::str(crate::bytes::from_bytes(&text[last..m.start()])));
        match &longer {
            Some(c2) => out.push(groups(c2)),
            None => out.push(groups(&c)),
        }
        last = end;
        search = if end == m.start() { end + 1 } else { end };
    }
    out.push(Value::str(crate::bytes::from_bytes(
        &text[last.min(text.len())..],
    )));
    Ok(Value::list(out))
}

/// Hash bytes with a named algorithm (`md5`, `sha1`, `sha256`, `sha512`).
pub(crate) fn hash_bytes(algo: &str, data: &[u8], pos: Pos) -> R<xnix_formats::Hash> {
    let algo = xnix_formats::HashAlgo::parse(algo)
        .map_err(|_| EvalError::msg(format!("unknown hash algorithm '{algo}'"), pos))?;
    Ok(xnix_formats::Hash::digest(algo, data))
}

fn hash_string(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let algo = ev.force_str_no_ctx(a[0].clone(), pos)?;
    let s = ev.force_string_v(a[1].clone(), pos)?;
    let data = crate::bytes::to_bytes(&s.s);
    Ok(Value::str(hash_bytes(&algo, &data, pos)?.to_base16()))
}

fn discard_context(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.coerce_to_string(a[0].clone(), pos, false, true)?;
    Ok(Value::str(s.s))
}

fn discard_output_dependency(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.coerce_to_string(a[0].clone(), pos, false, true)?;
    let ctx = s
        .ctx
        .into_iter()
        .map(|c| c.strip_prefix('=').map(str::to_string).unwrap_or(c))
        .collect();
    let mut v = Vec::new();
    merge_ctx(&mut v, &ctx_vec(ctx));
    Ok(Value::str_ctx(s.s, v))
}

fn ctx_vec(v: Vec<String>) -> Vec<String> {
    v
}

fn has_context(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_string_v(a[0].clone(), pos)?;
    Ok(Value::Bool(!s.ctx.is_empty()))
}

fn get_context(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_string_v(a[0].clone(), pos)?;
    use std::collections::BTreeMap;
    #[derive(Default)]
    struct Info {
        path: bool,
        all: bool,
        outputs: Vec<String>,
    }
    let mut m: BTreeMap<String, Info> = BTreeMap::new();
    for c in &s.ctx {
        if let Some(p) = c.strip_prefix('=') {
            m.entry(p.to_string()).or_default().all = true;
        } else if let Some(rest) = c.strip_prefix('!') {
            let (out, p) = rest.split_once('!').unwrap_or((rest, ""));
            m.entry(p.to_string())
                .or_default()
                .outputs
                .push(out.to_string());
        } else {
            m.entry(c.clone()).or_default().path = true;
        }
    }
    let entries = m
        .into_iter()
        .map(|(p, i)| {
            let mut fields = Vec::new();
            if i.all {
                fields.push(("allOutputs", Value::Bool(true)));
            }
            if !i.outputs.is_empty() {
                fields.push((
                    "outputs",
                    Value::list(i.outputs.into_iter().map(Value::str).collect()),
                ));
            }
            if i.path {
                fields.push(("path", Value::Bool(true)));
            }
            Attr {
                name: p.into(),
                value: mk_attrs(fields),
                pos: Pos::NONE,
            }
        })
        .collect();
    Ok(Value::attrs(Attrs::new(entries)))
}

fn append_context(ev: &Evaluator, a: &[Value], pos: Pos) -> R<Value> {
    let s = ev.force_string_v(a[0].clone(), pos)?;
    let c = ev.force_attrs(a[1].clone(), pos)?;
    let mut ctx = s.ctx.clone();
    for e in &c.entries {
        let in_store = xnix_formats::StoreDir::new(ev.store_dir.clone())
            .is_ok_and(|sd| sd.parse(&e.name).is_ok());
        if !in_store {
            return Err(EvalError::msg(
                format!(
                    "Context key '{}' is not a store path",
                    crate::print::print_attr_name(&e.name)
                ),
                pos,
            ));
        }
        let info = ev.force_attrs(e.value.clone(), pos)?;
        if let Some(p) = info.get("path") {
            if ev.force_bool(p.clone(), pos)? {
                merge_ctx(&mut ctx, &[e.name.to_string()]);
            }
        }
        if let Some(p) = info.get("allOutputs") {
            if ev.force_bool(p.clone(), pos)? {
                merge_ctx(&mut ctx, &[format!("={}", e.name)]);
            }
        }
        if let Some(o) = info.get("outputs") {
            for out in ev.force_list(o.clone(), pos)?.iter() {
                let out = ev.force_str(out.clone(), pos)?;
                merge_ctx(&mut ctx, &[format!("!{out}!{}", e.name)]);
            }
        }
    }
    Ok(Value::str_ctx(s.s.clone(), ctx))
}

/// A pattern character; non-ASCII characters become their bytes, since Nix's regular
/// expressions work on bytes (`é+` repeats only the last byte of `é`).
fn push_literal(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c);
        return;
    }
    let mut buf = [0u8; 4];
    let s: &str = c.encode_utf8(&mut buf);
    for b in crate::bytes::to_bytes(s).iter() {
        out.push_str(&format!("\\x{b:02X}"));
    }
}

/// C++'s POSIX matcher ends a repetition of a group that can match the empty string with one
/// more, empty, iteration, so the group captures `""` (`(a|b|)+` on `ab` captures `""`).
/// Rewriting `(R)+` and `(R)*` to `(?:R)*(R)` gives the same captures.
fn fix_nullable_repeats(h: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};
    match h.kind() {
        HirKind::Repetition(rep) => {
            let sub = fix_nullable_repeats(&rep.sub);
            if rep.max.is_none() && rep.min <= 1 {
                if let HirKind::Capture(cap) = sub.kind() {
                    if cap.sub.properties().minimum_len() == Some(0) {
                        let star = Hir::repetition(Repetition {
                            min: 0,
                            max: None,
                            greedy: rep.greedy,
                            sub: Box::new(strip_captures(&cap.sub)),
                        });
                        return Hir::concat(vec![star, sub.clone()]);
                    }
                }
            }
            Hir::repetition(Repetition {
                min: rep.min,
                max: rep.max,
                greedy: rep.greedy,
                sub: Box::new(sub),
            })
        }
        HirKind::Capture(c) => Hir::capture(Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(fix_nullable_repeats(&c.sub)),
        }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(fix_nullable_repeats).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(fix_nullable_repeats).collect()),
        _ => h.clone(),
    }
}

fn strip_captures(h: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Hir, HirKind, Repetition};
    match h.kind() {
        HirKind::Capture(c) => strip_captures(&c.sub),
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            min: rep.min,
            max: rep.max,
            greedy: rep.greedy,
            sub: Box::new(strip_captures(&rep.sub)),
        }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(strip_captures).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(strip_captures).collect()),
        _ => h.clone(),
    }
}

/// A DFA that reports the longest match (for POSIX leftmost-longest searches).
fn longest_matcher(re: &str) -> Option<regex_automata::hybrid::dfa::DFA> {
    use regex_automata::{hybrid::dfa::DFA, util::syntax, MatchKind};
    let translated = posix_to_regex(re)?;
    DFA::builder()
        .syntax(
            syntax::Config::new()
                .unicode(false)
                .utf8(false)
                .dot_matches_new_line(true),
        )
        .configure(DFA::config().match_kind(MatchKind::All))
        .build(&translated)
        .ok()
}

/// The end of the longest match starting exactly at `start`.
fn longest_end(
    dfa: &Option<regex_automata::hybrid::dfa::DFA>,
    text: &[u8],
    start: usize,
) -> Option<usize> {
    use regex_automata::{Anchored, Input};
    let dfa = dfa.as_ref()?;
    let mut cache = dfa.create_cache();
    let input = Input::new(text).range(start..).anchored(Anchored::Yes);
    dfa.try_search_fwd(&mut cache, &input)
        .ok()
        .flatten()
        .map(|m| m.offset())
}
