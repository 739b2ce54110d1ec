# An environment variable name may not refer to a store path.
builtins.getEnv "${builtins.toFile "n" "x"}"
