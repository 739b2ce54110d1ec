//! Project-specific builtins backed by `xnix-platform`.

use super::BuiltinDef;

pub(super) const BUILTINS: &[BuiltinDef] = &[];
