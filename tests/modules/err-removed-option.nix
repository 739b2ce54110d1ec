lib: with lib; { modules = [ (mkRemovedOptionModule [ "old" ] "Use `new' instead.") { options.assertions = mkOption { default = [ ]; }; } ]; result = e: e.config.old; }
