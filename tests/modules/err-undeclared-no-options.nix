lib: with lib; { modules = [ ./files/define-a.nix ]; }
