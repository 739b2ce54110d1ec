builtins.isAttrs (throw "t")
