let parts = builtins.match "([^-]+)-(.*)" "aarch64-linux"; in { cpu = builtins.elemAt parts 0; kernel = builtins.elemAt parts 1; }
