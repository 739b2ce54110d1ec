//! The Nix language: parsing (through rnix), values, the lazy evaluator and
//! the builtins.
