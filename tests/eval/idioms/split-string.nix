let lib = import ./lib/mini-lib.nix; in with lib; [ (splitString "." "1.2.3") (splitString ", " "a, b, c") (splitString "|" "x|y") ]
