{ tags = [ "from disabled module" ]; imports = [ ./disable-child.nix ]; }
