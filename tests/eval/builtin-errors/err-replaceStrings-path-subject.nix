# replaceStrings does not coerce its subject: a path is an error.
builtins.replaceStrings [ "a" ] [ "b" ] ./err-replaceStrings-path-subject.nix
