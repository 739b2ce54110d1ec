# Nix 2.8 builtins.fetchurl knows url, name and sha256 only: "hash" is rejected before any download.
builtins.fetchurl { url = "http://example.invalid/x"; hash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; }
