# parseDrvName takes no string that refers to a store path.
builtins.parseDrvName "${builtins.toFile "hello-1.0" "x"}"
