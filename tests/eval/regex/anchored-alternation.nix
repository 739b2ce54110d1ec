map (s: builtins.match "a|ab" s) [ "a" "ab" "b" ]
