# The system as one store path, `system.build.toplevel`:
#   sw/                           the system packages (environment.systemPackages), merged
#   etc/                          the /etc tree (environment.etc)
#   activate                      makes it the running system (activation.nix)
#   bin/switch-to-configuration   switch | boot | test | dry-activate
#   system                        the double of the host platform
#   nixos-version                 the collection's version
# Building it checks `assertions` (all failing messages at once) and prints
# `warnings`.
{ config, lib, pkgs, ... }:
with lib;
let
  failed = map (a: a.message) (filter (a: !a.assertion) config.assertions);
  checked = x:
    if failed != [ ] then throw "\nFailed assertions:\n${concatMapStrings (m: "- ${m}\n") failed}"
    else foldr (w: acc: builtins.trace "warning: ${w}" acc) x config.warnings;

  switchScript = replaceStrings [ "@stateDir@" ] [ (escapeShellArg config.system.stateDir) ] (builtins.readFile ./switch-to-configuration.sh);

  toplevel = pkgs.runCommand "xnix-system-${config.system.name}-${config.system.nixos.label}"
    {
      activateTemplate = config.system.build.activate;
      switchTemplate = switchScript;
      passAsFile = [ "activateTemplate" "switchTemplate" ];
      systemPath = config.system.path;
      etcTree = config.system.build.etc;
      hostSystem = pkgs.stdenv.hostPlatform.system;
      version = config.system.nixos.version;
    }
    ''
      mkdir -p "$out/bin"
      ln -s "$systemPath" "$out/sw"
      ln -s "$etcTree/etc" "$out/etc"
      sed -e "s|@systemConfig@|$out|g" "$activateTemplatePath" > "$out/activate"
      sed -e "s|@systemConfig@|$out|g" "$switchTemplatePath" > "$out/bin/switch-to-configuration"
      chmod 555 "$out/activate" "$out/bin/switch-to-configuration"
      sh -n "$out/activate"
      sh -n "$out/bin/switch-to-configuration"
      printf '%s' "$hostSystem" > "$out/system"
      printf '%s' "$version" > "$out/nixos-version"
    '';
in
{
  options.system = {
    build = mkOption {
      type = types.submoduleWith { modules = [{ freeformType = types.lazyAttrsOf types.unspecified; }]; };
      default = { };
      description = "Derivations that make up the system; `toplevel` is the whole system.";
    };
    name = mkOption {
      type = types.strMatching "[a-zA-Z0-9_.-]*";
      default = if config.networking.hostName == "" then "unnamed" else config.networking.hostName;
      defaultText = literalExpression "config.networking.hostName";
      description = "The name in the toplevel's store path.";
    };
  };
  config.system.build.toplevel = checked toplevel;
}
