# Evaluates one case of the module-system corpus with the library `lib`
# (the collection's or nixpkgs'). A case is a function of `lib` returning the
# arguments of `lib.evalModules` (`modules`, and optionally `specialArgs`,
# `prefix`, `class`) plus, optionally, `result`: what of the evaluation to
# print (default: its `config`).
{ lib, case }:
let
  c = import case lib;
  evaluated = lib.evalModules (builtins.removeAttrs c [ "result" ]);
in
(c.result or (e: e.config)) evaluated
