# Long `++` chains: order kept, empty lists anywhere, nested and parenthesised links.
let
  xs = [ 1 ] ++ [ ] ++ [ 2 3 ] ++ [ ] ++ [ (4 + 0) ] ++ ([ 5 ] ++ [ 6 ] ++ [ ] ++ [ 7 ]) ++ [ ];
  empties = [ ] ++ [ ] ++ [ ] ++ [ ];
  one = [ ] ++ [ ] ++ [ "x" ] ++ [ ];
  long = builtins.foldl' (acc: i: acc ++ [ i ]) [ ] (builtins.genList (i: i) 50);
in
{
  inherit xs empties one;
  lengths = map builtins.length [ xs empties one long ];
  lazy = builtins.length ([ (throw "a") ] ++ [ ] ++ [ (throw "b") ] ++ [ (throw "c") ]);
}
