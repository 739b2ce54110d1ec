lib: with lib; { modules = [ ./files/declare-sub.nix ./files/define-sub-a.nix ]; }
