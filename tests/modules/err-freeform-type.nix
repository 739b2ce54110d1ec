lib: with lib; { modules = [ { freeformType = types.attrsOf types.int; } { a = 1; } ./files/define-str2.nix ]; }
