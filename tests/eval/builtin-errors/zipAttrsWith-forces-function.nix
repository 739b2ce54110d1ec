# The function is forced before the list: its error wins.
builtins.tryEval (builtins.zipAttrsWith (throw "f") [ ])
