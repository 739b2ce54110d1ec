lib: with lib; { modules = [ ./files/declare-basic.nix { count = mkIf "yes" 2; } ]; }
