{ fromDir = true; sibling = import ./sibling.nix; }
