builtins.path { path = ./lib/text.txt; recursive = false; sha256 = builtins.hashFile "sha256" ./lib/text.txt; }
