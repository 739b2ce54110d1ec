# The same 5,000 small modules as modules-nixpkgs-lib.nix (bench/eval/corpus/small-modules.nix)
# through the collection's own module system (pkgs/lib).
import ./corpus/small-modules.nix (import ../../pkgs/lib) 5000
