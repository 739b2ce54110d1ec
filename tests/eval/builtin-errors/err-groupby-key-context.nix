# groupBy keys are attribute names and may not refer to store paths.
builtins.groupBy (x: "${builtins.toFile "n" "x"}") [ 1 ]
