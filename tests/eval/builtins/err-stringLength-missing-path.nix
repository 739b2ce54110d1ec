builtins.stringLength /abc
