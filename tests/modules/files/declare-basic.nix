{ lib, ... }:
with lib;
{
  options = {
    enable = mkEnableOption "the service";
    count = mkOption { type = types.int; default = 1; };
    name = mkOption { type = types.str; default = "none"; };
    tags = mkOption { type = types.listOf types.str; default = [ ]; };
    settings = mkOption { type = types.attrsOf types.int; default = { }; };
  };
}
