# Every catalogue name has a pkgsCross set whose host platform is the oracle's
# elaboration of that entry, and whose buildPackages is the native set.
{ xnixpkgs, oracle ? /work/shared/oracle/platforms/examples.json }:
let
  p = import xnixpkgs { };
  examples = builtins.fromJSON (builtins.readFile oracle);
  names = builtins.attrNames examples;
  ok = n:
    let h = p.pkgsCross.${n}.stdenv.hostPlatform; e = examples.${n}.elaborated; in
    h.config == e.config && h.system == e.system && h.isStatic == e.isStatic
    && p.pkgsCross.${n}.stdenv.buildPlatform.config == p.stdenv.hostPlatform.config
    && p.pkgsCross.${n}.buildPackages.stdenv.targetPlatform.config == e.config;
  bad = builtins.filter (n: !(ok n)) names;
in
builtins.length names == 87 && builtins.attrNames p.pkgsCross == names && bad == [ ]
