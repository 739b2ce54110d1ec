import ./lib/function.nix { x = 4; }
