lib: with lib; { modules = [ { options.a = mkOption { type = types.anything; }; } { a.x = 1; } { a.x = "s"; } ]; }
