lib: with lib; { modules = [ ./files/declare-sub.nix { s.web = { port = 1; hots = "x"; }; } ]; }
