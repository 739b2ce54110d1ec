//! Derivations: the `.drv` ATerm format, `hashDerivationModulo`, and output
//! path computation as `derivationStrict` does it.
//!
//! A `.drv` file is one line:
//!
//! ```text
//! Derive([("out","/nix/store/...-x","","")],[("/nix/store/...-y.drv",["out"])],
//!        ["/nix/store/...-src"],"x86_64-linux","/bin/sh",["-c","..."],[("name","x"),...])
//! ```
//!
//! Every collection is sorted (outputs and env by name, inputs by path), and
//! strings escape `"`, `\`, newline, carriage return and tab.
//!
//! The output paths of an input-addressed derivation depend on the hash of
//! the derivation itself, which would be circular; Nix breaks the cycle by
//! hashing the derivation with its output paths (and the env vars named after
//! outputs) blanked, and with every input derivation replaced by *its*
//! modulo hash. Fixed-output derivations hash only as what they produce, so
//! changing how a source is fetched does not rebuild everything downstream.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use thiserror::Error;

use crate::hash::{Hash, HashAlgo};
use crate::path::{output_path_name, FixedOutputHash, StoreDir, StorePath, StorePathError};

/// An error while parsing, checking or hashing a derivation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DerivationError {
    /// The ATerm text is malformed.
    #[error("malformed derivation at byte {offset}: {message}")]
    Parse {
        /// Byte offset of the problem.
        offset: usize,
        /// What was expected or found.
        message: String,
    },
    /// A path inside the derivation is not a valid store path.
    #[error("invalid store path in derivation: {0}")]
    Path(#[from] StorePathError),
    /// A fixed-output hash in the derivation is invalid.
    #[error("invalid fixed-output hash in derivation: {0}")]
    Hash(#[from] crate::HashError),
    /// The modulo hash of an input derivation is unknown to the caller.
    #[error("derivation input '{0}' is not known; its modulo hash must be computed first")]
    UnknownInput(String),
    /// An input derivation does not have the requested output.
    #[error("derivation '{drv}' has no output named '{output}'")]
    MissingOutput {
        /// The input derivation path.
        drv: String,
        /// The output name asked for.
        output: String,
    },
    /// `outputHashMode` is neither `flat` nor `recursive`.
    #[error("invalid value '{0}' for 'outputHashMode' attribute (expected 'flat' or 'recursive')")]
    BadOutputHashMode(String),
    /// A fixed-output derivation must have exactly one output called `out`.
    #[error("fixed-output derivation '{0}' must have exactly one output, named 'out'")]
    BadFixedOutputs(String),
}

/// One output of a derivation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DerivationOutput {
    /// The output's path; `None` while it is not yet computed (it is printed as `""`).
    pub path: Option<StorePath>,
    /// For fixed-output derivations: the expected hash and how it is computed.
    pub fixed: Option<FixedOutputHash>,
}

/// A derivation: how to build some store paths.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Derivation {
    /// The derivation's name (the `.drv` file's name without `.drv`); it is
    /// not part of the ATerm, but the output paths are named after it.
    pub name: String,
    /// Outputs by name.
    pub outputs: BTreeMap<String, DerivationOutput>,
    /// Input derivations and which of their outputs are used.
    pub input_drvs: BTreeMap<StorePath, BTreeSet<String>>,
    /// Input sources (plain store paths).
    pub input_srcs: BTreeSet<StorePath>,
    /// The system the builder runs on, e.g. `x86_64-linux`.
    pub platform: String,
    /// The builder program.
    pub builder: String,
    /// The builder's arguments.
    pub args: Vec<String>,
    /// The builder's environment.
    pub env: BTreeMap<String, String>,
}

/// The placeholder `builtins.placeholder OUTPUT` returns: `/` followed by the
/// Nix-base32 SHA-256 of `nix-output:<output>`. Builders replace it with the
/// output's real path.
pub fn hash_placeholder(output: &str) -> String {
    format!(
        "/{}",
        Hash::digest(HashAlgo::Sha256, format!("nix-output:{output}").as_bytes()).to_base32()
    )
}

/// Interpret the fixed-output attributes of a `derivation` call as
/// `derivationStrict` does: `outputHash` in any form Nix accepts (base16,
/// base32, base64 with `outputHashAlgo`; or prefixed / SRI, in which case
/// `outputHashAlgo` may be absent or empty but must agree if given), and
/// `outputHashMode` `flat` (default) or `recursive`.
///
/// An empty `outputHash` with a known algorithm means an all-zero hash (used
/// to discover the real one); the second result is then the warning Nix prints.
pub fn fixed_output_from_attrs(
    output_hash: &str,
    output_hash_algo: Option<&str>,
    output_hash_mode: Option<&str>,
) -> Result<(FixedOutputHash, Option<String>), DerivationError> {
    use crate::path::ContentAddressMethod;
    let method = match output_hash_mode {
        None | Some("flat") => ContentAddressMethod::Flat,
        Some("recursive") => ContentAddressMethod::Recursive,
        Some(other) => return Err(DerivationError::BadOutputHashMode(other.to_string())),
    };
    let algo = match output_hash_algo {
        None | Some("") => None,
        Some(a) => Some(HashAlgo::parse(a)?),
    };
    if output_hash.is_empty() {
        let algo = algo.ok_or_else(|| crate::HashError::MissingAlgo(String::new()))?;
        let zero =
            Hash::from_bytes(algo, &vec![0u8; algo.size()]).expect("size matches the algorithm");
        let warning = format!("found empty hash, assuming '{}'", zero.to_sri());
        return Ok((FixedOutputHash { method, hash: zero }, Some(warning)));
    }
    let hash = Hash::parse(output_hash, algo)?;
    Ok((FixedOutputHash { method, hash }, None))
}

/// Per-output modulo hashes of a derivation (for an input-addressed
/// derivation every output has the same hash).
pub type DrvHashes = BTreeMap<String, Hash>;

fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn list_into<I, F>(out: &mut String, items: I, mut each: F)
where
    I: IntoIterator,
    F: FnMut(&mut String, I::Item),
{
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push(']');
}

impl Derivation {
    /// Whether this is a fixed-output derivation (its single output has a known hash).
    pub fn is_fixed_output(&self) -> bool {
        self.outputs.len() == 1 && self.outputs.values().all(|o| o.fixed.is_some())
    }

    /// The ATerm text of this derivation, exactly as Nix writes it to the `.drv` file.
    pub fn to_aterm(&self, store_dir: &StoreDir) -> String {
        let inputs: BTreeMap<String, BTreeSet<String>> = self
            .input_drvs
            .iter()
            .map(|(p, o)| (store_dir.print(p), o.clone()))
            .collect();
        self.print(store_dir, false, &inputs)
    }

    /// Print with the given input-derivation list (paths, or modulo hashes when
    /// hashing); `mask_outputs` blanks output paths and the env vars named after outputs.
    fn print(
        &self,
        store_dir: &StoreDir,
        mask_outputs: bool,
        inputs: &BTreeMap<String, BTreeSet<String>>,
    ) -> String {
        let mut s = String::with_capacity(1024);
        s.push_str("Derive(");
        list_into(&mut s, &self.outputs, |s, (name, o)| {
            s.push('(');
            escape_into(s, name);
            s.push(',');
            let path = match (&o.path, mask_outputs) {
                (Some(p), false) => store_dir.print(p),
                _ => String::new(),
            };
            escape_into(s, &path);
            s.push(',');
            match &o.fixed {
                Some(f) => {
                    escape_into(s, &f.method_algo());
                    s.push(',');
                    escape_into(s, &f.hash.to_base16());
                }
                None => s.push_str("\"\",\"\""),
            }
            s.push(')');
        });
        s.push(',');
        list_into(&mut s, inputs, |s, (path, outs)| {
            s.push('(');
            escape_into(s, path);
            s.push(',');
            list_into(s, outs, |s, o| escape_into(s, o));
            s.push(')');
        });
        s.push(',');
        list_into(&mut s, &self.input_srcs, |s, p| {
            escape_into(s, &store_dir.print(p))
        });
        s.push(',');
        escape_into(&mut s, &self.platform);
        s.push(',');
        escape_into(&mut s, &self.builder);
        s.push(',');
        list_into(&mut s, &self.args, |s, a| escape_into(s, a));
        s.push(',');
        list_into(&mut s, &self.env, |s, (k, v)| {
            s.push('(');
            escape_into(s, k);
            s.push(',');
            let blank = mask_outputs && self.outputs.contains_key(k);
            escape_into(s, if blank { "" } else { v });
            s.push(')');
        });
        s.push(')');
        s
    }

    /// Parse ATerm `.drv` text. `name` is the derivation name (the `.drv` file
    /// name without hash part and `.drv`), which the text does not contain.
    pub fn parse_aterm(
        store_dir: &StoreDir,
        name: &str,
        text: &str,
    ) -> Result<Derivation, DerivationError> {
        let mut p = Parser {
            s: text.as_bytes(),
            pos: 0,
        };
        p.expect("Derive(")?;
        let mut drv = Derivation {
            name: name.to_string(),
            ..Default::default()
        };
        p.list(|p| {
            p.expect("(")?;
            let at = p.pos;
            let oname = p.string()?;
            p.expect(",")?;
            let path = p.string()?;
            p.expect(",")?;
            let algo = p.string()?;
            p.expect(",")?;
            let hash = p.string()?;
            p.expect(")")?;
            let path = if path.is_empty() { None } else { Some(store_dir.parse(&path)?) };
            let fixed = match (algo.is_empty(), hash.is_empty()) {
                (true, true) => None,
                (false, false) => Some(FixedOutputHash::from_drv_fields(&algo, &hash)?),
                _ => {
                    return Err(p.err_at(at, "floating content-addressed outputs (hash algorithm without hash) are not supported"))
                }
            };
            if drv.outputs.insert(oname.clone(), DerivationOutput { path, fixed }).is_some() {
                return Err(p.err_at(at, &format!("duplicate output '{oname}'")));
            }
            Ok(())
        })?;
        p.expect(",")?;
        p.list(|p| {
            p.expect("(")?;
            let path = store_dir.parse(&p.string()?)?;
            p.expect(",")?;
            let mut outs = BTreeSet::new();
            p.list(|p| {
                outs.insert(p.string()?);
                Ok(())
            })?;
            p.expect(")")?;
            drv.input_drvs.insert(path, outs);
            Ok(())
        })?;
        p.expect(",")?;
        p.list(|p| {
            drv.input_srcs.insert(store_dir.parse(&p.string()?)?);
            Ok(())
        })?;
        p.expect(",")?;
        drv.platform = p.string()?;
        p.expect(",")?;
        drv.builder = p.string()?;
        p.expect(",")?;
        p.list(|p| {
            drv.args.push(p.string()?);
            Ok(())
        })?;
        p.expect(",")?;
        p.list(|p| {
            p.expect("(")?;
            let k = p.string()?;
            p.expect(",")?;
            let v = p.string()?;
            p.expect(")")?;
            drv.env.insert(k, v);
            Ok(())
        })?;
        p.expect(")")?;
        if p.pos != p.s.len() {
            return Err(p.err("trailing data after the derivation"));
        }
        Ok(drv)
    }

    /// All references of the `.drv` file: input sources and input derivations.
    pub fn references(&self) -> BTreeSet<StorePath> {
        self.input_srcs
            .iter()
            .chain(self.input_drvs.keys())
            .cloned()
            .collect()
    }

    /// The path the `.drv` file gets: a text path named `<name>.drv` over the
    /// ATerm bytes, with the input sources and input derivations as references.
    pub fn drv_path(&self, store_dir: &StoreDir) -> Result<StorePath, DerivationError> {
        Ok(store_dir.text_path(
            &format!("{}.drv", self.name),
            self.to_aterm(store_dir).as_bytes(),
            &self.references(),
        )?)
    }

    /// Nix's `hashDerivationModulo`. `lookup` returns the modulo hashes of an
    /// input derivation (callers memoise them; see [`DrvHashCache`]).
    ///
    /// - Fixed-output: per output, sha256 of
    ///   `fixed:out:<[r:]algo>:<base16 hash>:<output path>`.
    /// - Otherwise: sha256 of the ATerm with each input derivation replaced by
    ///   the base16 modulo hash of its used outputs, and (with `mask_outputs`)
    ///   the output paths and the env vars named after outputs blanked.
    pub fn hash_derivation_modulo<F>(
        &self,
        store_dir: &StoreDir,
        mask_outputs: bool,
        mut lookup: F,
    ) -> Result<DrvHashes, DerivationError>
    where
        F: FnMut(&StorePath) -> Result<DrvHashes, DerivationError>,
    {
        if self.is_fixed_output() {
            let mut hashes = BTreeMap::new();
            for (oname, o) in &self.outputs {
                let fixed = o.fixed.as_ref().expect("is_fixed_output checked");
                let path = match &o.path {
                    Some(p) => p.clone(),
                    None => store_dir.make_fixed_output_path(
                        &output_path_name(&self.name, oname),
                        fixed,
                        &BTreeSet::new(),
                        false,
                    )?,
                };
                let text = format!(
                    "fixed:out:{}:{}:{}",
                    fixed.method_algo(),
                    fixed.hash.to_base16(),
                    store_dir.print(&path)
                );
                hashes.insert(
                    oname.clone(),
                    Hash::digest(HashAlgo::Sha256, text.as_bytes()),
                );
            }
            return Ok(hashes);
        }
        let mut inputs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (drv_path, outs) in &self.input_drvs {
            let hashes = lookup(drv_path)?;
            for o in outs {
                let h = hashes
                    .get(o)
                    .ok_or_else(|| DerivationError::MissingOutput {
                        drv: store_dir.print(drv_path),
                        output: o.clone(),
                    })?;
                inputs.entry(h.to_base16()).or_default().insert(o.clone());
            }
        }
        let h = Hash::digest(
            HashAlgo::Sha256,
            self.print(store_dir, mask_outputs, &inputs).as_bytes(),
        );
        Ok(self
            .outputs
            .keys()
            .map(|o| (o.clone(), h.clone()))
            .collect())
    }

    /// Fill in the output paths of a freshly evaluated derivation as
    /// `derivationStrict` does, and set the env var of each output to its path.
    ///
    /// - Fixed-output (one output `out` with `fixed` set): the fixed-output path.
    /// - Input-addressed: outputs and their env vars are blanked, the derivation
    ///   is hashed modulo (masked), and each output gets `output:<name>` over
    ///   that hash.
    ///
    /// Returns the modulo hashes of the finished derivation, i.e. unmasked, as
    /// derivations that depend on it must see them: memoise them under this
    /// derivation's [`Self::drv_path`] (e.g. in a [`DrvHashCache`]).
    pub fn fill_output_paths<F>(
        &mut self,
        store_dir: &StoreDir,
        mut lookup: F,
    ) -> Result<DrvHashes, DerivationError>
    where
        F: FnMut(&StorePath) -> Result<DrvHashes, DerivationError>,
    {
        if self.outputs.values().any(|o| o.fixed.is_some()) {
            if !(self.outputs.len() == 1 && self.outputs.contains_key("out")) {
                return Err(DerivationError::BadFixedOutputs(self.name.clone()));
            }
            let out = self.outputs.get_mut("out").expect("checked above");
            let fixed = out.fixed.as_ref().expect("checked above");
            let path =
                store_dir.make_fixed_output_path(&self.name, fixed, &BTreeSet::new(), false)?;
            self.env.insert("out".to_string(), store_dir.print(&path));
            out.path = Some(path);
            return self.hash_derivation_modulo(store_dir, false, &mut lookup);
        }
        for (name, o) in self.outputs.iter_mut() {
            o.path = None;
            self.env.insert(name.clone(), String::new());
        }
        let masked = self.hash_derivation_modulo(store_dir, true, &mut lookup)?;
        for (name, o) in self.outputs.iter_mut() {
            let path = store_dir.make_output_path(name, &masked[name], &self.name)?;
            self.env.insert(name.clone(), store_dir.print(&path));
            o.path = Some(path);
        }
        // Dependents hash this derivation as written, output paths included.
        self.hash_derivation_modulo(store_dir, false, &mut lookup)
    }

    /// The JSON object `nix show-derivation` prints for this derivation (the
    /// value under its `.drv` path key).
    pub fn to_json(&self, store_dir: &StoreDir) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let mut outputs = Map::new();
        for (name, o) in &self.outputs {
            let mut m = Map::new();
            if let Some(p) = &o.path {
                m.insert("path".into(), Value::String(store_dir.print(p)));
            }
            if let Some(f) = &o.fixed {
                m.insert("hashAlgo".into(), Value::String(f.method_algo()));
                m.insert("hash".into(), Value::String(f.hash.to_base16()));
            }
            outputs.insert(name.clone(), Value::Object(m));
        }
        let input_drvs: Map<String, Value> = self
            .input_drvs
            .iter()
            .map(|(p, o)| (store_dir.print(p), json!(o)))
            .collect();
        json!({
            "outputs": outputs,
            "inputSrcs": self.input_srcs.iter().map(|p| store_dir.print(p)).collect::<Vec<_>>(),
            "inputDrvs": input_drvs,
            "system": self.platform,
            "builder": self.builder,
            "args": self.args,
            "env": self.env,
        })
    }
}

/// A memo of modulo hashes by `.drv` path, filled as derivations are created
/// (the evaluator) or read (the builder).
#[derive(Debug, Default, Clone)]
pub struct DrvHashCache {
    hashes: BTreeMap<StorePath, DrvHashes>,
}

impl DrvHashCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Remember the modulo hashes of a derivation.
    pub fn insert(&mut self, drv_path: StorePath, hashes: DrvHashes) {
        self.hashes.insert(drv_path, hashes);
    }

    /// The remembered hashes of a derivation.
    pub fn get(&self, drv_path: &StorePath) -> Option<&DrvHashes> {
        self.hashes.get(drv_path)
    }

    /// A lookup function for [`Derivation::hash_derivation_modulo`] over this cache.
    pub fn lookup(&self) -> impl FnMut(&StorePath) -> Result<DrvHashes, DerivationError> + '_ {
        move |p| {
            self.hashes
                .get(p)
                .cloned()
                .ok_or_else(|| DerivationError::UnknownInput(p.to_string()))
        }
    }

    /// Compute the modulo hashes of `drv_path` by reading `.drv` files with
    /// `read` (which returns the ATerm text of a `.drv` path), recursing into
    /// inputs that are not cached yet.
    pub fn hash_from_files<R>(
        &mut self,
        store_dir: &StoreDir,
        drv_path: &StorePath,
        read: &mut R,
    ) -> Result<DrvHashes, DerivationError>
    where
        R: FnMut(&StorePath) -> Result<String, DerivationError>,
    {
        if let Some(h) = self.hashes.get(drv_path) {
            return Ok(h.clone());
        }
        let text = read(drv_path)?;
        let name = drv_path
            .name()
            .strip_suffix(".drv")
            .unwrap_or(drv_path.name());
        let drv = Derivation::parse_aterm(store_dir, name, &text)?;
        for input in drv.input_drvs.keys() {
            self.hash_from_files(store_dir, input, read)?;
        }
        let hashes = drv.hash_derivation_modulo(store_dir, false, self.lookup())?;
        self.hashes.insert(drv_path.clone(), hashes.clone());
        Ok(hashes)
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err_at(&self, offset: usize, message: &str) -> DerivationError {
        DerivationError::Parse {
            offset,
            message: message.to_string(),
        }
    }

    fn err(&self, message: &str) -> DerivationError {
        self.err_at(self.pos, message)
    }

    fn expect(&mut self, lit: &str) -> Result<(), DerivationError> {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            Ok(())
        } else {
            let found =
                String::from_utf8_lossy(&self.s[self.pos..(self.pos + 12).min(self.s.len())])
                    .into_owned();
            Err(self.err(&format!("expected '{lit}', found '{found}'")))
        }
    }

    fn string(&mut self) -> Result<String, DerivationError> {
        self.expect("\"")?;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(self.err("unterminated string"));
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else {
                        return Err(self.err("unterminated escape"));
                    };
                    self.pos += 1;
                    out.push(match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        other => other,
                    });
                }
                c => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| self.err("string is not valid UTF-8"))
    }

    fn list<F>(&mut self, mut item: F) -> Result<(), DerivationError>
    where
        F: FnMut(&mut Self) -> Result<(), DerivationError>,
    {
        self.expect("[")?;
        if self.s.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            match self.s.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or ']' in list")),
            }
        }
    }
}

impl fmt::Display for DerivationOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, &self.fixed) {
            (Some(p), Some(h)) => write!(f, "{p} ({})", h.to_ca_string()),
            (Some(p), None) => write!(f, "{p}"),
            (None, _) => f.write_str("(not yet computed)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_roundtrips() {
        let sd = StoreDir::nix();
        let mut d = Derivation {
            name: "x".into(),
            platform: "x86_64-linux".into(),
            builder: "/bin/sh".into(),
            ..Default::default()
        };
        d.args = vec!["a\"b\\c\nd\re\tf".into()];
        d.outputs.insert("out".into(), DerivationOutput::default());
        d.env.insert("out".into(), String::new());
        let t = d.to_aterm(&sd);
        assert_eq!(
            t,
            r#"Derive([("out","","","")],[],[],"x86_64-linux","/bin/sh",["a\"b\\c\nd\re\tf"],[("out","")])"#
        );
        assert_eq!(Derivation::parse_aterm(&sd, "x", &t).unwrap(), d);
    }

    #[test]
    fn fixed_attrs() {
        let (f, w) = fixed_output_from_attrs("", Some("sha256"), None).unwrap();
        assert_eq!(
            w.unwrap(),
            "found empty hash, assuming 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='"
        );
        assert_eq!(f.method_algo(), "sha256");
        let e = fixed_output_from_attrs(
            "sha1:0000000000000000000000000000000000000000",
            Some("sha256"),
            None,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "invalid fixed-output hash in derivation: hash 'sha1:0000000000000000000000000000000000000000' should have type 'sha256'");
        assert!(matches!(
            fixed_output_from_attrs("00", Some("sha1"), Some("foo")),
            Err(DerivationError::BadOutputHashMode(_))
        ));
        let (f, _) = fixed_output_from_attrs(
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            Some(""),
            Some("recursive"),
        )
        .unwrap();
        assert_eq!(f.method_algo(), "r:sha256");
    }

    #[test]
    fn parse_errors_say_where() {
        let sd = StoreDir::nix();
        let e = Derivation::parse_aterm(&sd, "x", "Derive([(\"out\"").unwrap_err();
        assert!(
            matches!(e, DerivationError::Parse { offset: 14, .. }),
            "{e}"
        );
        let e = Derivation::parse_aterm(&sd, "x", "Derive([],[],[\"/tmp/x\"],\"\",\"\",[],[])")
            .unwrap_err();
        assert!(matches!(e, DerivationError::Path(_)), "{e}");
    }
}
