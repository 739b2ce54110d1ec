//! The store: hashes and their encodings, store paths, derivations in ATerm
//! form, NAR serialisation, narinfo, and the local store with its registry.
