[ (import ./lib/value.nix).answer (import ./lib/value.nix).answer ]
