baseNameOf (toString ../.)
