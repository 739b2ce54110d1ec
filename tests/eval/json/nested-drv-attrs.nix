let d = derivation { name = "n"; system = "x86_64-linux"; builder = "/bin/sh"; }; in { pkgs = { hello = d; }; names = [ d.name ]; }
