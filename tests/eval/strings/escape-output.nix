builtins.fromJSON "\"a\\tb\\nc\\\\d\\\"e\""
