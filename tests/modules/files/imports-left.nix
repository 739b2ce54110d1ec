{ imports = [ ./imports-deep.nix ]; tags = [ "left" ]; }
