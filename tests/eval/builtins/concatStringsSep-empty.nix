[ (builtins.concatStringsSep "-" [ ]) (builtins.concatStringsSep "-" [ "one" ]) ]
