# Long `//` chains: the rightmost definition of a name wins, sets may be empty, the
# last operand may be a literal set.
let
  base = { a = 1; b = 1; c = 1; };
  r = base // { b = 2; } // { } // { d = 4; a = 0; } // { } // { c = 3; } // { a = 5; };
  empties = { } // { } // { } // { };
  names = builtins.attrNames ({ z = 1; } // { y = 1; } // { x = 1; } // { w = 1; } // { v = 1; });
in
{
  inherit r empties names;
  lazy = builtins.attrNames ({ a = throw "a"; } // { b = throw "b"; } // { } // { c = throw "c"; });
}
