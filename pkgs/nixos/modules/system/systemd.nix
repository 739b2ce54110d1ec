# systemd services: each enabled `systemd.services.<name>` becomes the unit
# file /etc/systemd/system/<name>.service, and each target in its `wantedBy`
# a link in <target>.wants/, as `systemctl enable` would make. On a machine
# running systemd, activation reloads systemd and starts, restarts or stops
# the services whose units were added, changed or dropped.
{ config, lib, pkgs, ... }:
with lib;
let
  unitValue = types.oneOf [ types.bool types.int types.str types.path (types.listOf (types.oneOf [ types.bool types.int types.str types.path ])) ];
  showValue = v: if isBool v then boolToString v else toString v;
  # `Key=value` lines; a list gives one line per element.
  unitSection = name: attrs:
    "[${name}]\n" + concatStrings (mapAttrsToList
      (k: v: concatMapStrings (x: "${k}=${showValue x}\n") (toList v))
      (filterAttrs (_: v: v != null && v != [ ]) attrs));
  # A systemd Environment= assignment, quoted.
  envAssignment = k: v: "\"${replaceStrings [ "\\" "\"" ] [ "\\\\" "\\\"" ] "${k}=${toString v}"}\"";

  # The machine's own directories come last: the services run on any Linux machine.
  systemSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  serviceModule = { name, config, ... }: {
    options = {
      enable = mkOption { type = types.bool; default = true; description = "Whether the unit is installed."; };
      description = mkOption { type = types.str; default = ""; description = "The unit's Description=."; };
      wantedBy = mkOption { type = types.listOf types.str; default = [ ]; example = [ "multi-user.target" ]; description = "Units that want this one (links in their .wants/ directories)."; };
      requiredBy = mkOption { type = types.listOf types.str; default = [ ]; description = "Units that require this one (links in their .requires/ directories)."; };
      after = mkOption { type = types.listOf types.str; default = [ ]; description = "After= units."; };
      before = mkOption { type = types.listOf types.str; default = [ ]; description = "Before= units."; };
      requires = mkOption { type = types.listOf types.str; default = [ ]; description = "Requires= units."; };
      wants = mkOption { type = types.listOf types.str; default = [ ]; description = "Wants= units."; };
      unitConfig = mkOption { type = types.attrsOf unitValue; default = { }; description = "Further [Unit] settings."; };
      serviceConfig = mkOption { type = types.attrsOf unitValue; default = { }; example = { Type = "oneshot"; User = "nobody"; }; description = "[Service] settings."; };
      environment = mkOption { type = types.attrsOf (types.nullOr (types.oneOf [ types.str types.path types.package ])); default = { }; description = "Environment variables of the service."; };
      path = mkOption { type = types.listOf (types.either types.package types.str); default = [ ]; description = "Packages whose bin/ and sbin/ are on the service's PATH (before the machine's own directories)."; };
      script = mkOption { type = types.lines; default = ""; description = "Shell commands (POSIX sh) run as the service (its ExecStart=)."; };
      preStart = mkOption { type = types.lines; default = ""; description = "Shell commands run before the service starts (ExecStartPre=)."; };
      restartIfChanged = mkOption { type = types.bool; default = true; description = "Whether a switch restarts the service when its unit changed."; };
    };
  };

  unitFile = name: s:
    let
      path = concatStringsSep ":" (map (p: "${p}/bin:${p}/sbin") s.path ++ [ systemSearchPath ]);
      env = { PATH = path; } // filterAttrs (_: v: v != null) s.environment;
      serviceConfig =
        optionalAttrs (s.script != "") { ExecStart = "${pkgs.writeShellScript "unit-script-${name}-start" "set -e\n${s.script}"}"; }
        // optionalAttrs (s.preStart != "") { ExecStartPre = "${pkgs.writeShellScript "unit-script-${name}-pre-start" "set -e\n${s.preStart}"}"; }
        // s.serviceConfig;
    in
    pkgs.writeText "${name}.service" (
      unitSection "Unit" ({
        Description = if s.description == "" then null else s.description;
        After = if s.after == [ ] then null else concatStringsSep " " s.after;
        Before = if s.before == [ ] then null else concatStringsSep " " s.before;
        Requires = if s.requires == [ ] then null else concatStringsSep " " s.requires;
        Wants = if s.wants == [ ] then null else concatStringsSep " " s.wants;
      } // s.unitConfig)
      + "\n" + unitSection "Service" ({ Environment = mapAttrsToList envAssignment env; } // serviceConfig)
    );

  services = filterAttrs (_: s: s.enable) config.systemd.services;
in
{
  options.systemd.services = mkOption {
    type = types.attrsOf (types.submodule serviceModule);
    default = { };
    example = literalExpression ''{ hello = { wantedBy = [ "multi-user.target" ]; script = "exec ''${pkgs.hello}/bin/hello"; serviceConfig.Type = "oneshot"; }; }'';
    description = "systemd services of the system.";
  };

  config = {
    environment.etc = mkMerge (mapAttrsToList
      (name: s:
        let unit = unitFile name s; in
        { "systemd/system/${name}.service".source = unit; }
        // listToAttrs (map (t: nameValuePair "systemd/system/${t}.wants/${name}.service" { source = unit; }) s.wantedBy)
        // listToAttrs (map (t: nameValuePair "systemd/system/${t}.requires/${name}.service" { source = unit; }) s.requiredBy))
      services);

    # What activation starts, restarts and stops: "NAME WANTED RESTART" lines.
    system.build.units = pkgs.writeText "units" (concatStrings (mapAttrsToList
      (name: s: "${name}.service ${if s.wantedBy != [ ] || s.requiredBy != [ ] then "1" else "0"} ${if s.restartIfChanged then "1" else "0"}\n")
      services));
  };
}
