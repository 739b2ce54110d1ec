# How `xnix deploy` reaches and checks this machine. A configuration whose
# deployment.targetHost is set is deployed by `xnix deploy`; the rest are
# built only when asked for.
{ lib, ... }:
with lib;
{
  options.deployment = {
    targetHost = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "10.0.0.7";
      description = "The host name or address `xnix deploy` connects to over SSH; null: not deployed by `xnix deploy`.";
    };
    targetUser = mkOption {
      type = types.str;
      default = "root";
      description = "The user `xnix deploy` logs in as (activation needs root: another user needs sudo without a password).";
    };
    targetPort = mkOption {
      type = types.nullOr types.int;
      default = null;
      description = "The SSH port, if not ssh's default.";
    };
    tags = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "boards" "lab" ];
      description = "Names to select machines by: `xnix deploy --on @TAG`.";
    };
    buildOnTarget = mkOption {
      type = types.bool;
      default = false;
      description = "Build the system on the target instead of on the deploying machine.";
    };
    healthChecks = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "systemctl is-system-running --wait" "test -e /run/app.sock" ];
      description = "Shell commands run on the target after activation, over a new connection; all must succeed before the deployment is confirmed.";
    };
    magicRollback = mkOption {
      type = types.bool;
      default = true;
      description = "Wait after activation for the deploying machine to confirm over a new connection (after the health checks), and go back to the previous generation by itself when no confirmation comes within confirmTimeout: a configuration that cuts the machine off undoes itself.";
    };
    confirmTimeout = mkOption {
      type = types.int;
      default = 30;
      description = "Seconds the target waits for the confirmation (magicRollback).";
    };
  };
}
