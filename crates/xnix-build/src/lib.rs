//! Realising derivations: scheduling, the build sandbox, fetchers and
//! substitution.
