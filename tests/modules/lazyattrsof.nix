lib: with lib; {
  modules = [
    { options.a = mkOption { type = types.lazyAttrsOf types.int; }; }
    { a.x = 1; a.y = mkIf false 2; }
    ({ config, ... }: { a.z = config.a.x + 1; })
  ];
  result = e: { names = builtins.attrNames e.config.a; inherit (e.config.a) x z; };
}
