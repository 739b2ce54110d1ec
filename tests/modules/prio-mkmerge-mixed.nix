lib: with lib; {
  modules = [
    { options.x = mkOption { type = types.listOf types.str; }; }
    { x = mkMerge [ (mkDefault [ "default" ]) [ "plain1" ] ]; }
    { x = mkMerge [ [ "plain2" ] (mkForce [ "forced" ]) ]; }
    { x = mkForce [ "forced2" ]; }
  ];
}
