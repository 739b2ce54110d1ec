builtins.functionArgs (x@{ ... }: x)
