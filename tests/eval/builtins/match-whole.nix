[ (builtins.match "ab" "ab") (builtins.match "a" "ab") ]
