# The platforms of each stage follow the sliding window principle.
{ xnixpkgs }:
let
  p = import xnixpkgs { crossSystem = { config = "riscv64-unknown-linux-gnu"; }; };
  local = p.stdenv.buildPlatform.config;
  cfg = s: [ s.stdenv.buildPlatform.config s.stdenv.hostPlatform.config s.stdenv.targetPlatform.config ];
  r = "riscv64-unknown-linux-gnu";
in
cfg p == [ local r r ]
&& cfg p.buildPackages == [ local local r ]
&& cfg p.pkgsBuildBuild == [ local local local ]
&& cfg p.pkgsBuildTarget == [ local local r ]
&& cfg p.pkgsHostHost == [ local r r ]
&& cfg p.pkgsTargetTarget == [ local r r ]
&& cfg p.buildPackages.buildPackages == [ local local local ]
&& p.buildPackages.targetPackages.hello.outPath == p.hello.outPath
&& p.pkgsHostTarget.hello.outPath == p.hello.outPath
