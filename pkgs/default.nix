# xnixpkgs: the package collection, with cross-compilation by the sliding
# window principle. `localSystem` builds, `crossSystem` (if any) runs the
# results; each is a system string, catalogue name or attribute set.
{ localSystem ? { system = builtins.currentSystem; }
, crossSystem ? null
, overlays ? [ ]
, config ? { }
, system ? null
}@args:
let
  lib = import ./lib;
  topArgs = { inherit overlays config; localSystem = local; crossSystem = if isCross then cross else null; };
  nixpkgsFun = newArgs: import ./. ({ inherit overlays config; } // newArgs);

  asArgs = s: if builtins.isAttrs s && s ? system && !(s ? config) && !(s ? parsed) && !(s ? canExecute) then s.system else s;
  local = lib.systems.resolve (asArgs (if system != null then system else localSystem));
  cross0 = if crossSystem == null then null else lib.systems.resolve (asArgs crossSystem);
  withoutFunctions = p: lib.filterAttrs (_: v: !builtins.isFunction v) p;
  isCross = cross0 != null && withoutFunctions cross0 != withoutFunctions local;
  cross = if isCross then cross0 else local;

  stage = { buildPlatform, hostPlatform, targetPlatform, links }: import ./top-level/stage.nix {
    inherit lib buildPlatform hostPlatform targetPlatform overlays config links nixpkgsFun topArgs;
  };

  # build = host = target: every neighbour is the set itself.
  native = stage {
    buildPlatform = local; hostPlatform = local; targetPlatform = local;
    links = self: { pkgsBuildBuild = self; pkgsBuildHost = self; pkgsBuildTarget = self; pkgsHostHost = self; pkgsHostTarget = self; pkgsTargetTarget = self; };
  };
  # Build tools for the cross set: they run on the build machine and target the host.
  buildForCross = stage {
    buildPlatform = local; hostPlatform = local; targetPlatform = cross;
    links = self: { pkgsBuildBuild = native; pkgsBuildHost = native; pkgsBuildTarget = self; pkgsHostHost = native; pkgsHostTarget = self; pkgsTargetTarget = crossSet; };
  };
  crossSet = stage {
    buildPlatform = local; hostPlatform = cross; targetPlatform = cross;
    links = self: { pkgsBuildBuild = native; pkgsBuildHost = buildForCross; pkgsBuildTarget = buildForCross; pkgsHostHost = self; pkgsHostTarget = self; pkgsTargetTarget = self; };
  };
in
if isCross then crossSet else native
