builtins.concatStringsSep "/" [ "a" ./lib/fixed.txt ]
