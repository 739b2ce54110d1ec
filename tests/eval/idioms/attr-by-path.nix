let lib = import ./lib/mini-lib.nix; in with lib; let s = { a.b.c = 1; }; in [ (attrByPath [ "a" "b" "c" ] 0 s) (attrByPath [ "a" "x" ] 0 s) (setAttrByPath [ "p" "q" ] 5) ]
