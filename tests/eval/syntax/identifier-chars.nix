let a-b = 1; a_b = 2; a'b = 3; _x = 4; x' = 5; in [ a-b a_b a'b _x x' ]
