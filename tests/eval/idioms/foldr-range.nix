let lib = import ./lib/mini-lib.nix; in with lib; [ (foldr (a: b: a - b) 0 (range 1 10)) (range 3 7) (range 5 1) ]
