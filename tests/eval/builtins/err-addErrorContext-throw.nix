builtins.addErrorContext "ctx" (throw "inner")
