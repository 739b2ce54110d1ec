builtins.fromJSON ''"a\"b\\c\/d\be\ff\ng\rh\ti\u0041\u00e9\u65e5"''
