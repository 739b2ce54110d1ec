{ imports = [ ./imports-left.nix ./imports-right.nix ]; tags = [ "top" ]; }
