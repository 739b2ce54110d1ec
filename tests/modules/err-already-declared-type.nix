lib: with lib; { modules = [ ./files/declare-basic.nix { options.count = mkOption { type = types.str; }; } ]; }
