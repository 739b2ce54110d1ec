//! The store: hashes and their encodings, store paths, derivations in ATerm
//! form, NAR serialisation, narinfo, and the local store with its registry.
//!
//! Every byte format here is identical to Nix 2.8's, so that paths computed
//! by xnix are the paths Nix computes for the same inputs:
//!
//! - [`hash`]: [`Hash`], [`HashAlgo`], base16 / Nix base32 / base64 / SRI.
//! - [`path`]: [`StoreDir`], [`StorePath`] and the path computations
//!   (text, source, fixed-output and derivation output paths).
//! - [`derivation`]: [`Derivation`], ATerm printing and parsing,
//!   `hashDerivationModulo`, output paths as `derivationStrict` computes them.
//! - [`nar`]: NAR dump, restore and hashing.
//! - [`narinfo`]: the `.narinfo` text format of binary caches.
//! - [`local`]: the local store (a directory plus a SQLite registry).

pub mod hash;
pub mod path;

pub use hash::{compress_hash, Hash, HashAlgo, HashEncoding, HashError, Hasher};
pub use path::{ContentAddressMethod, FixedOutputHash, StoreDir, StorePath, StorePathError};
pub mod derivation;

pub use derivation::{
    fixed_output_from_attrs, hash_placeholder, Derivation, DerivationError, DerivationOutput,
    DrvHashCache, DrvHashes,
};
pub mod local;
pub mod nar;
pub mod narinfo;
pub mod refscan;

pub use local::{LocalStore, LocalStoreConfig, LocalStoreError, ValidPathInfo};
