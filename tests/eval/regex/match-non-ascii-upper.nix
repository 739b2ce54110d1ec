builtins.match "[[:upper:]]+" "ÄB"
