baseNameOf (toString ./foo/bar.nix)
