# canExecute agrees with nixpkgs' answers in the platform oracle, for every pair.
{ xnixpkgs, oracle ? /work/shared/oracle/platforms/can-execute.json }:
let
  lib = import (xnixpkgs + "/lib");
  table = builtins.fromJSON (builtins.readFile oracle);
  plat = builtins.mapAttrs (n: _: lib.systems.resolve n) table;
  wrong = builtins.concatLists (map (a: builtins.filter (b: plat.${a}.canExecute plat.${b} != table.${a}.${b}) (builtins.attrNames table.${a})) (builtins.attrNames table));
in
builtins.length (builtins.attrNames table) > 50 && wrong == [ ]
