lib: with lib; { modules = [ { options.ns.a = mkOption { type = types.int; }; } { ns = 5; } ]; }
