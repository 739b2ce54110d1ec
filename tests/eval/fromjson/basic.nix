builtins.fromJSON ''{"a": 1, "b": [true, false, null], "c": "s", "d": 1.5, "e": {}}''
