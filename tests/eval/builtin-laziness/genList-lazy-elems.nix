builtins.length (builtins.genList (i: throw "e") 3)
