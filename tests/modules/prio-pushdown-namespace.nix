lib: with lib; {
  modules = [
    { options.ns = { a = mkOption { type = types.int; }; b = mkOption { type = types.int; }; }; }
    { ns = mkForce { a = 1; b = 2; }; }
    { ns = { a = 10; b = 20; }; }
    { ns = mkIf true (mkDefault { a = 100; }); }
  ];
}
