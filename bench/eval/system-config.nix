# A system configuration of a few hundred modules through the collection's own
# `lib.nixosSystem` (pkgs/nixos), as a flake's `nixosConfigurations.<name>` is
# evaluated: 300 user modules on top of the base modules, each declaring an
# option and defining `environment.etc` files, a systemd service, a user and
# group, with `mkIf`, `mkDefault`, `mkForce`, `mkBefore`/`mkAfter` and
# `specialArgs`, for an aarch64 host built from x86_64. The toplevel's drvPath
# is computed (so the whole configuration is evaluated and hashed); what is
# printed does not depend on the store directory, which differs between the two.
let
  lib = import ../../pkgs/lib;
  count = 300;
  mod = a: b: a - b * (a / b);
  name = i: "svc${toString i}";
  module = i: { config, lib, pkgs, site, ... }: {
    options.services.${name i} = {
      enable = lib.mkEnableOption "service ${toString i}";
      port = lib.mkOption { type = lib.types.port; default = 1000 + i; };
      tags = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    };
    config = lib.mkMerge [
      { services.${name i} = {
          enable = lib.mkDefault (mod i 3 != 0);
          tags = lib.mkBefore [ site ];
        }; }
      (lib.mkIf config.services.${name i}.enable {
        environment.etc."${name i}.conf".text =
          "port=${toString config.services.${name i}.port}\ntags=${lib.concatStringsSep "," config.services.${name i}.tags}\n";
        systemd.services.${name i} = {
          wantedBy = [ "multi-user.target" ];
          serviceConfig.Type = "oneshot";
          script = "echo ${name i} ${toString config.services.${name i}.port}";
        };
        users.groups.${name i} = { };
        users.users.${name i} = { isSystemUser = true; group = name i; };
      })
      (lib.mkIf (mod i 7 == 0) { services.${name i}.port = lib.mkForce (2000 + i); })
      { services.${name (mod (i + 1) count)}.tags = lib.mkAfter [ "from-${name i}" ]; }
    ];
  };
  system = lib.nixosSystem {
    specialArgs = { site = "bench"; };
    modules = [
      {
        nixpkgs.buildPlatform = "x86_64-linux";
        nixpkgs.hostPlatform = "aarch64-linux";
        networking.hostName = "bench";
        system.stateVersion = "23.11";
      }
    ] ++ builtins.genList module count;
  };
  inherit (system) config;
in
builtins.seq config.system.build.toplevel.drvPath {
  etc = builtins.length (builtins.attrNames config.environment.etc);
  services = builtins.length (builtins.attrNames config.systemd.services);
  users = builtins.length (builtins.attrNames config.users.users);
  ports = builtins.foldl' (a: b: a + b) 0
    (builtins.genList (i: config.services."svc${toString i}".port) count);
  tags = config.services.svc7.tags;
}
