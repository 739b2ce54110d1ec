lib: with lib; {
  modules = [
    { options.y = mkOption { type = types.listOf types.int; }; }
    { y = [ 1 ]; }
    { y = mkBefore [ 2 ]; }
    { y = mkAfter [ 3 ]; }
    { y = mkOrder 1000 [ 4 ]; }
    { y = [ 5 ]; }
    { y = mkOrder 10 [ 6 ]; }
    { y = mkAfter [ 7 ]; }
    { y = mkMerge [ (mkBefore [ 8 ]) [ 9 ] ]; }
  ];
  result = e: { inherit (e.config) y; defs = e.options.y.definitionsWithLocations; };
}
