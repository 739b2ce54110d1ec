[ (builtins.add 1) (builtins.elemAt [ ]) (map (x: x)) ]
