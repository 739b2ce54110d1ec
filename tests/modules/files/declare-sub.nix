{ lib, ... }: with lib; {
  options.s = mkOption { type = types.attrsOf (types.submodule { options.port = mkOption { type = types.port; }; }); default = { }; };
}
