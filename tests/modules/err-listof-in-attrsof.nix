lib: with lib; { modules = [ { options.a = mkOption { type = types.attrsOf (types.listOf types.int); }; } { a.x = [ 1 "two" ]; } ]; }
