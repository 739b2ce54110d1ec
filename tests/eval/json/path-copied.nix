./lib/data.txt
