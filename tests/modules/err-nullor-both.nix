lib: with lib; { modules = [ { options.n = mkOption { type = types.nullOr types.int; }; } ./files/declare-basic.nix ./files/define-a.nix { n = null; } { n = 1; } ]; result = e: e.config.n; }
