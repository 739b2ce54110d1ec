let d = derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; allowSubstitutes = false; preferLocalBuild = true; }; in d.drvPath
