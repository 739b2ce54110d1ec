# The version of the collection a system is made with, and the state version
# the machine's data were first created with.
{ config, options, lib, ... }:
with lib;
let release = "0.1"; in
{
  options.system = {
    stateVersion = mkOption {
      type = types.str;
      default = release;
      example = "0.1";
      description = "The release whose defaults the machine's stateful data (databases, home directories) were created with. Set it once, when the machine is first set up, and keep it.";
    };
    nixos = {
      release = mkOption { type = types.str; default = release; readOnly = true; description = "The collection's release."; };
      version = mkOption { type = types.str; default = "${release}-xnix"; description = "The version the system reports (the toplevel's `nixos-version`)."; };
      label = mkOption { type = types.strMatching "[a-zA-Z0-9:_.-]*"; default = config.system.nixos.version; description = "The version in the toplevel's store path name."; };
    };
  };
  config.warnings = optional (options.system.stateVersion.highestPrio >= 1500)
    "system.stateVersion is not set; it defaults to ${release}. Set it to the release the machine was first set up with (e.g. `system.stateVersion = \"${release}\";`).";
}
