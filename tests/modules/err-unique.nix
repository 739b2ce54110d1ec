lib: with lib; { modules = [ { options.u = mkOption { type = types.uniq types.int; }; } ./files/declare-basic.nix ./files/define-a.nix { u = 1; } { u = 2; } ]; result = e: e.config.u; }
