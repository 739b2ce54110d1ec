"${./lib/text.txt}"
