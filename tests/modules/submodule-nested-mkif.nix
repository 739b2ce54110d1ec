lib: with lib; {
  modules = [
    { options.s = mkOption { type = types.attrsOf (types.submodule { options = { enable = mkEnableOption "x"; v = mkOption { type = types.int; default = 0; }; }; }); }; }
    ({ config, ... }: { s.a = mkIf true { enable = true; }; s.b = mkIf false { enable = true; }; s.c = { v = mkIf config.s.a.enable 5; }; })
  ];
}
