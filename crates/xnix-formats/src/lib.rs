//! Nix's byte formats: hashes and their encodings, store paths, derivations
//! in ATerm form, NAR, narinfo, signatures and reference scanning.
//!
//! Every format here is identical to Nix 2.8's, so that paths computed by
//! xnix are the paths Nix computes for the same inputs (the tests under
//! `tests/` compare with Nix itself):
//!
//! - [`hash`]: [`Hash`](struct@Hash), [`HashAlgo`], base16 / Nix base32 / base64 / SRI,
//!   [`compress_hash`].
//! - [`path`]: [`StoreDir`], [`StorePath`] and the path computations
//!   (text, source, fixed-output and derivation output paths).
//! - [`derivation`]: [`Derivation`], ATerm printing and parsing,
//!   `hashDerivationModulo`, output paths as `derivationStrict` computes them.
//! - [`nar`]: the NAR codec (a writer driven node by node, a pull reader).
//! - [`narinfo`]: the `.narinfo` text format of binary caches.
//! - [`refscan`]: finding references (hash parts) in a byte stream.
//! - [`signing`]: Ed25519 keys and signatures over store paths, in Nix's formats.
//! - [`serve`]: the serve protocol's framing and messages (`nix-store --serve`).
//!
//! Architecture Invariant: this crate does no file system or network I/O.
//! It reads and writes byte streams (`Read`/`Write`) and values; walking
//! directories is `xnix-fs`'s, the store on disk is `xnix-store`'s.
//!
//! # What `derivationStrict` does, with this crate
//!
//! ```
//! use xnix_formats::{Derivation, DerivationOutput, DrvHashCache, StoreDir};
//!
//! let sd = StoreDir::nix();
//! let mut cache = DrvHashCache::new();
//! let mut drv = Derivation {
//!     name: "hello".into(),
//!     platform: "x86_64-linux".into(),
//!     builder: "/bin/sh".into(),
//!     ..Default::default()
//! };
//! for (k, v) in [("name", "hello"), ("system", "x86_64-linux"), ("builder", "/bin/sh")] {
//!     drv.env.insert(k.into(), v.into());
//! }
//! drv.outputs.insert("out".into(), DerivationOutput::default());
//! // Blanks the outputs, hashes modulo, fills in paths and `env.out`.
//! let hashes = drv.fill_output_paths(&sd, cache.lookup()).unwrap();
//! let drv_path = drv.drv_path(&sd).unwrap();
//! // Remember the hashes so derivations that depend on this one can be hashed.
//! cache.insert(drv_path.clone(), hashes);
//! assert!(drv.env["out"].starts_with("/nix/store/") && drv.env["out"].ends_with("-hello"));
//! assert_eq!(drv_path.name(), "hello.drv");
//! ```
#![deny(missing_docs)]

pub mod derivation;
pub mod hash;
pub mod nar;
pub mod narinfo;
pub mod path;
pub mod refscan;
pub mod serve;
pub mod signing;

pub use derivation::{
    fixed_output_from_attrs, hash_placeholder, Derivation, DerivationError, DerivationOutput,
    DrvHashCache, DrvHashes,
};
pub use hash::{compress_hash, Hash, HashAlgo, HashEncoding, HashError, Hasher};
pub use path::{
    ContentAddressMethod, FixedOutputHash, FullStorePath, StoreDir, StorePath, StorePathError,
};
