map builtins.typeOf (builtins.split "(b)" "abc")
