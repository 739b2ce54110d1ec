baseNameOf "${./lib/text.txt}"
