builtins.getContext "${./lib/tree/a.txt}"
