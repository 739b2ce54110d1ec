# Conditions a configuration must meet (`assertions`, checked when the system
# is built) and messages it prints then (`warnings`).
{ lib, ... }:
with lib;
{
  options = {
    assertions = mkOption {
      type = types.listOf types.unspecified;
      internal = true;
      default = [ ];
      example = [{ assertion = false; message = "you can't enable this for that reason"; }];
      description = "Conditions (`{ assertion; message; }`) that must hold; the build of `system.build.toplevel` fails with every failing message.";
    };
    warnings = mkOption {
      type = types.listOf types.str;
      internal = true;
      default = [ ];
      description = "Messages printed when `system.build.toplevel` is evaluated.";
    };
  };
}
