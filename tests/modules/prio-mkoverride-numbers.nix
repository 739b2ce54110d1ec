lib: with lib; {
  modules = [
    { options = { a = mkOption { type = types.int; }; b = mkOption { type = types.int; }; c = mkOption { type = types.int; }; }; }
    { a = mkOverride 90 1; b = mkVMOverride 1; c = mkImageMediaOverride 1; }
    { a = 2; b = mkForce 2; c = mkForce 2; }
  ];
}
