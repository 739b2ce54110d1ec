map (c: builtins.match "[[:punct:]]" c != null) [ "!" "a" " " "_" ]
