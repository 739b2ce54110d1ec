builtins.getContext "nothing"
