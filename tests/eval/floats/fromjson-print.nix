builtins.fromJSON "[0.1, 1e-7, 123456789.5, 1e300, -2.5e-5]"
