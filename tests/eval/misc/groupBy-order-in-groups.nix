builtins.groupBy (x: toString (x / 10)) [ 15 3 12 7 19 ]
