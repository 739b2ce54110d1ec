# The store path context error is not one tryEval catches.
builtins.tryEval (builtins.getEnv "${builtins.toFile "n" "x"}")
