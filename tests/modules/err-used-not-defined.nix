lib: with lib; { modules = [ { options.needed = mkOption { type = types.str; }; options.ok = mkOption { default = 1; }; } ]; }
