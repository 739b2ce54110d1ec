lib: with lib; { modules = [ ./files/declare-basic.nix { config = mkIf false { nonexistent = 1; }; } ]; }
