lib: with lib; { modules = [ { options.e = mkOption { type = types.enum [ "a" "b" ]; }; } { e = "c"; } ]; }
