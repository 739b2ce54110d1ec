let s = { a = 1; b = throw "no"; }; in { inherit (s) a; }
