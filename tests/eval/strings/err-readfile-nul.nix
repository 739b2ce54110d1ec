# A file holding a NUL byte cannot be a Nix string.
builtins.readFile ./lib/nul.bin
