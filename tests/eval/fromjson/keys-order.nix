builtins.attrNames (builtins.fromJSON ''{"z": 1, "a": 2, "m": 3}'')
