let lib = import ./lib/mini-lib.nix; in with lib; [ (versionOlder "1.2" "1.10") (versionOlder "2.0" "1.9") (boolToString true) ]
