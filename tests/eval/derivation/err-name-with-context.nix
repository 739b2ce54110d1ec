let d = derivation { name = "x-${builtins.toFile "a" "b"}"; system = "x86_64-linux"; builder = "/bin/sh"; }; in d.outPath
