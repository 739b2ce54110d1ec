{ config, lib, ... }:
{
  imports = [ ./declare-basic.nix ];
  config = lib.mkIf config.enable { name = "enabled:${toString config.count}"; };
}
