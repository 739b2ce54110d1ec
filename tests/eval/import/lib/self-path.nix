baseNameOf (toString ./.)
