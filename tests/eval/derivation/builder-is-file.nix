let d = derivation { name = "file-builder"; system = "x86_64-linux"; builder = builtins.toFile "builder.sh" "echo > $out"; }; in d.drvPath
