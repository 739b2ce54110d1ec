lib: with lib; {
  modules = [
    { options.a = mkOption { type = types.attrsOf (types.attrsOf (types.listOf types.int)); }; }
    { a.x.p = [ 1 ]; a.y.q = [ 2 ]; }
    { a.x.p = [ 3 ]; a.x.r = mkBefore [ 4 ]; }
    { a.x.r = [ 5 ]; }
    { a = mkIf true { z.s = [ 6 ]; }; }
  ];
}
