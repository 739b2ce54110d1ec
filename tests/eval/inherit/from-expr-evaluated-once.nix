let s = builtins.trace "once" { a = 1; b = 2; }; in { inherit (s) a b; }
