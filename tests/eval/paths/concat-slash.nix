let p = ./x + "y"; in baseNameOf (toString p)
