# filterSource wants a real function: a set with __functor is refused.
builtins.filterSource { __functor = self: p: t: true; } ./err-filterSource-functor.nix
