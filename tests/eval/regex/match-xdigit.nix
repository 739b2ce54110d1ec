builtins.match "[[:xdigit:]]+" "09afAF"
