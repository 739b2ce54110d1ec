lib: with lib; {
  modules = [
    { options.ns.a = mkOption { type = types.int; default = 0; }; }
    { options.ns.b = mkOption { type = types.int; default = 0; }; }
    { ns = mkDefault (mkIf true { a = 5; }); }
    { ns = mkForce (mkIf false { b = 5; }); }
  ];
}
