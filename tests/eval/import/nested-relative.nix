import ./lib/nested/a.nix
