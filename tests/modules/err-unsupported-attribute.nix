lib: with lib; { modules = [ ./files/declare-basic.nix { config.count = 1; name = "x"; } ]; }
