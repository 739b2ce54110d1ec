builtins.fromJSON ''"abc''
