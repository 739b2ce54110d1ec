baseNameOf (toString { outPath = ./x; })
