let t = import ./lib/throws.nix; in 1
