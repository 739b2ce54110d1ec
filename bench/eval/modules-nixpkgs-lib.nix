# 5,000 small modules (bench/eval/corpus/small-modules.nix: submodules, attrsOf,
# priorities, ordering, conditions reading the config) through nixpkgs' own module system,
# from the shared test data beside the repository (../shared/nixpkgs-lib, see its README).
import ./corpus/small-modules.nix (import ../../../shared/nixpkgs-lib/lib) 5000
