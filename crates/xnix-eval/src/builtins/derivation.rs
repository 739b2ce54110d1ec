//! `derivationStrict`: computing a derivation's `.drv` path and output paths.

use super::BuiltinDef;

pub(super) const BUILTINS: &[BuiltinDef] = &[];
