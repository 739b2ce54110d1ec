lib: with lib; { modules = [ ./files/declare-basic.nix { name = mkForce "a"; } { name = mkForce "b"; } { name = "c"; } ]; }
