builtins.match "([[:digit:]]+)\\.([[:digit:]]+)" "10.25"
