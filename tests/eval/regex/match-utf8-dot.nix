builtins.match "(.)(.)" "é"
