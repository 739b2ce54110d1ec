let n = "file"; in baseNameOf (toString ./dir/${n}.nix)
