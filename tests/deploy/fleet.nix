# Boards for `xnix deploy` tests (crates/xnix/tests/deploy_fleet.rs): one
# configuration per address in `hosts` (board1, board2, ...), each managing
# root's authorized keys. The boards named in `lockout` get a configuration
# that lets nobody in, so the deployer's confirmation connection is refused;
# those in `failCheck` have a failing health check, those in `slowCheck` one
# that takes 12 s (longer than the confirmation window); those in `buildOnTarget` build their system themselves.
# `magicRollback` sets deployment.magicRollback on all. The boards in
# `gated` get a package whose build waits until the file `gate` exists (give
# the builder that path with --option sandbox-paths).
{ hosts, key, generation ? 1, lockout ? [ ], failCheck ? [ ], slowCheck ? [ ], buildOnTarget ? [ ]
, confirmTimeout ? 8, magicRollback ? true, gated ? [ ], gate ? "/nonexistent" }:
let
  lib = import ../../pkgs/lib;
  board = i: host:
    let name = "board${toString i}"; in {
      inherit name;
      value = import ./board.nix {
        inherit generation;
        modules = [({ pkgs, ... }: {
          environment.systemPackages = lib.optional (builtins.elem name gated)
            (pkgs.stdenv.mkDerivation {
              name = "gated-${toString generation}";
              buildCommand = ''
                i=0
                while [ ! -e ${gate} ]; do
                  i=$((i + 1)); [ $i -lt 3000 ] || { echo "${gate} never appeared" >&2; exit 1; }
                  sleep 0.1
                done
                mkdir -p $out
              '';
            });
          environment.etc."ssh/authorized_keys.d/root".text =
            if builtins.elem name lockout then "# nobody\n" else "${key}\n";
          deployment = {
            targetHost = host;
            tags = [ "boards" (if i == 1 then "first" else "rest") ];
            inherit confirmTimeout magicRollback;
            buildOnTarget = builtins.elem name buildOnTarget;
            healthChecks = [ "test -e /etc/board-generation" ]
              ++ lib.optional (builtins.elem name failCheck) "false"
              ++ lib.optional (builtins.elem name slowCheck) "sleep 12";
          };
        })];
      };
    };
in {
  nixosConfigurations = builtins.listToAttrs (lib.imap1 board hosts) // {
    # Not deployed: it sets no targetHost.
    builder = import ./board.nix { };
  };
}
