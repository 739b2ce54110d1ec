builtins.fromJSON ''{"x": {"y": {"z": [[[]]]}}}''
