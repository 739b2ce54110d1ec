# The machine's name, written to /etc/hostname.
{ config, lib, ... }:
with lib;
{
  options.networking.hostName = mkOption {
    type = types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$";
    default = "nixos";
    description = "The name of the machine (empty: leave /etc/hostname alone). A valid hostname: letters, digits, `-` and `_`, at most 63 characters.";
  };
  config.environment.etc.hostname = mkIf (config.networking.hostName != "") {
    text = config.networking.hostName + "\n";
  };
}
