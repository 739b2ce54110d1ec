lib: with lib; {
  modules = [
    ./files/declare-basic.nix
    ({ config, ... }: { config = mkIf config.enable { tags = [ "enabled" ]; settings.count = config.count; }; })
    ({ config, ... }: { enable = config.count > 1; count = 5; })
  ];
}
