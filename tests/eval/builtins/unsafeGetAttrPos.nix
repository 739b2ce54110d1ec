let p = builtins.unsafeGetAttrPos "b" { a = 1;
  b = 2; }; in { inherit (p) line column; file = baseNameOf p.file; }
