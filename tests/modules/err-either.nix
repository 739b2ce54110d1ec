lib: with lib; { modules = [ { options.e = mkOption { type = types.either types.int types.bool; }; } { e = 1; } { e = true; } ]; }
