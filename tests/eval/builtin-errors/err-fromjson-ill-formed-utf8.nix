# A JSON text holding a byte that is not UTF-8 (half of "é") is ill-formed.
builtins.fromJSON (builtins.toJSON (builtins.substring 0 1 "é"))
