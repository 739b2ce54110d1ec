# Ordering and priorities inside container elements: attrsOf (listOf int)
# with mkBefore/mkAfter per attribute, and a mkForce on one attribute only.
lib: with lib; {
  modules = [
    { options.m = mkOption { type = types.attrsOf (types.listOf types.int); default = { }; }; }
    { m.a = [ 1 ]; m.b = [ 10 ]; }
    { m.a = mkBefore [ 0 ]; m.b = mkForce [ 11 ]; }
    { m = mkMerge [ { a = mkAfter [ 2 ]; } { c = mkOrder 600 [ 5 ]; } { c = [ 6 ]; } ]; }
    { m.b = [ 12 ]; m.c = mkBefore [ 4 ]; }
  ];
}
