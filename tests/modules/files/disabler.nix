{ disabledModules = [ ./disable-target.nix ]; }
