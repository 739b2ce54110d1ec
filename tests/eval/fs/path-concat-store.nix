let p = ./lib/tree; in "${p + "/a.txt"}"
