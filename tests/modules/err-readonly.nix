lib: with lib; { modules = [ { options.r = mkOption { type = types.int; readOnly = true; default = 1; }; } { r = 2; } ]; }
