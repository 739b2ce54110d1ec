# The system's packages, merged into one tree of symlinks: the toplevel's `sw`.
{ config, lib, pkgs, ... }:
with lib;
{
  options = {
    environment.systemPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      example = literalExpression "[ pkgs.hello pkgs.lua ]";
      description = "Packages installed in the system: their programs are in the toplevel's `sw/bin`.";
    };
    environment.pathsToLink = mkOption {
      type = types.listOf types.str;
      default = [ "/bin" "/sbin" "/lib" "/libexec" "/share" "/etc" ];
      description = "The directories of the packages linked into `sw`.";
    };
    environment.extraOutputsToInstall = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "dev" "man" ];
      description = "Outputs of the packages installed besides those each package names (`meta.outputsToInstall`).";
    };
    system.path = mkOption {
      type = types.package;
      internal = true;
      description = "The merged packages (`sw`).";
    };
  };
  config.system.path = pkgs.buildEnv {
    name = "system-path";
    paths = config.environment.systemPackages;
    inherit (config.environment) pathsToLink extraOutputsToInstall;
  };
}
