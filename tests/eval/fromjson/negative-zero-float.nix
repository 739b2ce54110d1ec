# Negative zero written as a float stays a float (printed -0).
builtins.fromJSON "[-0.0, -0e1, -0E0]"
