builtins.attrNames ({ z = 1; m = 2; } // { a = 3; m = 4; })
