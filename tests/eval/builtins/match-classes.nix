map (s: builtins.match "[[:alpha:]][[:alnum:]_]*" s) [ "abc_1" "1abc" "" ]
