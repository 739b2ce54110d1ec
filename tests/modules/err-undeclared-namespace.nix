lib: with lib; { modules = [ ./files/declare-basic.nix { services.x.enable = true; } ]; }
