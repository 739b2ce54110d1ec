lib: with lib; { modules = [ ./files/declare-basic.nix ./files/define-str.nix ./files/define-str2.nix ]; result = e: e.config.count; }
