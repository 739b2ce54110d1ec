{ t = builtins.true; n = builtins.null; v = builtins.langVersion; }
