builtins.replaceStrings [ "" ] [ "x" ] ""
