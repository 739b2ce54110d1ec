builtins.toXML { type = "derivation"; outPath = "/nix/store/x"; drvPath = "/nix/store/y.drv"; name = "n"; }
