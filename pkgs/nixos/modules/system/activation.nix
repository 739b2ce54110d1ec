# `system.activationScripts` and the `activate` script of the toplevel: it
# makes the system the running one on its target machine. Activation may
# touch, outside the store and the state directory (`system.stateDir`), only
# what the configuration manages: the /etc entries of `environment.etc`
# (through /etc/static), missing users and groups, systemd units (through
# /etc) and what the configuration's own activation scripts do. An /etc file
# it does not manage is never changed or deleted: when one is in the way it
# is moved aside to NAME.xnix-orig.
{ config, lib, pkgs, ... }:
with lib;
let
  scriptType = types.coercedTo types.str (text: { inherit text; }) (types.submodule {
    options = {
      text = mkOption { type = types.lines; description = "The commands (POSIX sh; a failing command ends this script, not the activation)."; };
      deps = mkOption { type = types.listOf types.str; default = [ ]; description = "Activation scripts that run before this one."; };
      supportsDryActivation = mkOption { type = types.bool; default = false; description = "Whether the script also runs in a dry activation (then `$XNIX_ACTION` is `dry-activate` and it must change nothing)."; };
    };
  });

  scripts = config.system.activationScripts;
  # Each script after its dependencies; otherwise by name.
  visit = stack: done: name:
    if elem name done then done
    else if elem name stack then
      throw "system.activationScripts: the dependencies form a cycle: ${concatStringsSep " -> " (stack ++ [ name ])}"
    else if !(scripts ? ${name}) then
      throw "system.activationScripts.${last stack} depends on `${name}', which is not defined (the scripts are: ${concatStringsSep ", " (attrNames scripts)})"
    else foldl' (visit (stack ++ [ name ])) done scripts.${name}.deps ++ [ name ];
  ordered = foldl' (visit [ ]) [ ] (attrNames scripts);

  snippet = name:
    let s = scripts.${name}; in ''
      # ---- activation script ${name}
      if [ -n "$dry" ] && [ ${if s.supportsDryActivation then "1" else "0"} = 0 ]; then
          say ${escapeShellArg "would run the activation script ${name}"}
      else
          ( set -e
      ${s.text}
          ) || { warn ${escapeShellArg "the activation script ${name} failed"}; failed=1; }
      fi
    '';

  activateTemplate = ''
    #!/bin/sh
    # Activates the system @systemConfig@ on this machine (see the
    # collection's pkgs/README.md, "System configurations").
    #   activate          make it the running system
    #   activate --dry    print what would change, change nothing
    set -u
    export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    systemConfig=@systemConfig@
    stateDir=${escapeShellArg config.system.stateDir}
    etcTree=${config.system.build.etc}
    unitList=${config.system.build.units}
    dry=
    failed=0
    case "''${1-}" in
        --dry) dry=1 ;;
        "") ;;
        *) echo "usage: $0 [--dry]" >&2; exit 2 ;;
    esac
    if [ -n "$dry" ]; then XNIX_ACTION=dry-activate; else XNIX_ACTION=''${XNIX_ACTION:-activate}; fi
    NIXOS_ACTION=$XNIX_ACTION
    export XNIX_ACTION NIXOS_ACTION systemConfig

    ${builtins.readFile ./activate-lib.sh}

    activation_begin
    units_stop_dropped
    ${concatMapStrings snippet ordered}
    units_apply
    activation_end
  '';
in
{
  options.system = {
    activationScripts = mkOption {
      type = types.attrsOf scriptType;
      default = { };
      example = literalExpression ''{ stdio.text = "mkdir -p /var/lib/foo"; later = { deps = [ "stdio" ]; text = "touch /var/lib/foo/ready"; }; }'';
      description = ''
        Shell snippets (POSIX sh) run by activation, each after those in its `deps`
        (built in: `users` creates missing groups and users, `etc` updates /etc).
        They run at every activation, so they must be idempotent.
      '';
    };
    stateDir = mkOption {
      type = types.str;
      default = "/xnix/var/xnix";
      description = "The target's state directory: profiles/system (the generations), activation/ (what activation manages), current-system.";
    };
    build.activate = mkOption {
      type = types.str;
      internal = true;
      description = "The text of the activation script, with @systemConfig@ for the toplevel's path.";
    };
  };

  config = {
    system.activationScripts.etc = {
      deps = [ "users" ];
      supportsDryActivation = true;
      text = "etc_activate";
    };
    system.activationScripts.users.deps = [ ];
    system.build.activate = activateTemplate;
  };
}
