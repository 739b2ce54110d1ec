# Beyond the integer range, floor and ceil give what Nix 2.8's conversion gives.
map (f: [ (builtins.floor f) (builtins.ceil f) ]) [ 1.0e30 (-1.0e30) 9.3e18 (-9.3e18) 9.2e18 (-9.2e18) 0.5 (-0.5) ]
