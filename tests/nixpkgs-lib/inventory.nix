# Every attribute of nixpkgs' lib and of its sub-libraries, by type: what xnix and Nix 2.8
# see when they load the whole lib (crates/xnix/tests/nixpkgs_lib_differential.rs).
lib:
let
  kind = x: let r = builtins.tryEval x; in if r.success then builtins.typeOf r.value else "error";
  members = v: builtins.mapAttrs (_: kind) v;
  # Left out: what needs builtins newer than Nix 2.8 (errors tryEval cannot catch there;
  # xnix has these builtins, tested with the evaluator), and `maintainers`/`teams`, files
  # outside lib/ that are not part of the test data.
  skipped = [
    "addDrvOutputDependencies" "convertHash" "derivations" "filesystem" "flakeRefToString"
    "flakes" "parseFlakeRef" "pathType" "readFileType" "maintainers" "teams"
  ];
in
builtins.mapAttrs (n: v:
  let r = builtins.tryEval v; in
  if !r.success then "error"
  else if builtins.isAttrs r.value && !(r.value ? _type) && n != "systems" then members r.value
  else builtins.typeOf r.value) (builtins.removeAttrs lib skipped)
