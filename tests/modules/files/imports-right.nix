{ imports = [ ./imports-deep.nix ]; tags = [ "right" ]; }
