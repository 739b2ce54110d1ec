lib: with lib; {
  modules = [
    { freeformType = with types; lazyAttrsOf anything; }
    ({ config, ... }: { x = 1; y = config.x + 1; })
    { z = mkIf true [ "z" ]; }
  ];
}
