baseNameOf (toString ./a/../b/./c)
