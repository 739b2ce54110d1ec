lib: with lib; { modules = [ ./files/declare-basic.nix { options.count.sub = mkOption { }; } ]; }
