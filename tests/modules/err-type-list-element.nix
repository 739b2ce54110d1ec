lib: with lib; { modules = [ ./files/declare-basic.nix ./files/define-a.nix ./files/define-str.nix ]; result = e: e.config.tags; }
