map (s: builtins.match "(foo)?bar" s) [ "bar" "foobar" "fooba" ]
