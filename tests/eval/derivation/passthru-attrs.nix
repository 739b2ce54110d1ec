let d = derivation { name = "pt"; system = "aarch64-linux"; builder = "/bin/sh"; extra = "e"; }; in { inherit (d) extra system; }
