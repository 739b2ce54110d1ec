lib: with lib; { modules = [ ./files/declare-basic.nix { enable = true; } { enable = false; } ]; }
