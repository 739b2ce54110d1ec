let lib = import ./lib/mini-lib.nix; in with lib; [ (flatten [ 1 [ 2 [ 3 [ 4 ] ] ] [ ] 5 ]) (unique [ 3 1 3 2 1 ]) ]
