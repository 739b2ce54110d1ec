import ../value-int.nix
