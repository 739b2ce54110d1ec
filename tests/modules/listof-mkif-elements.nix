lib: with lib; {
  modules = [
    { options.l = mkOption { type = types.listOf types.int; }; }
    { l = [ 1 (mkIf false 2) (mkIf true 3) (mkMerge [ 4 ]) ]; }
  ];
}
