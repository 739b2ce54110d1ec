lib: with lib; {
  modules = [
    { options = { a = mkOption { type = types.int; default = 0; }; b = mkOption { type = types.listOf types.int; }; c = mkOption { type = types.int; }; }; }
    ./files/define-meta.nix
    { a = mkDefault 5; b = [ 1 ]; }
    { b = mkMerge [ [ 2 ] (mkIf false [ 3 ]) [ 4 ] ]; }
  ];
  result = e: map (o: { inherit (o) highestPrio isDefined files definitions; }) [ e.options.a e.options.b e.options.c ];
}
