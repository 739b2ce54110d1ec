lib: with lib; { modules = [ ./files/declare-basic.nix ./files/undeclared.nix ]; }
