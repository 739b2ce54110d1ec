builtins.toJSON "q\" b\\ n\n t\t r\r $"
