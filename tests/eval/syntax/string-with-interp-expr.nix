"${toString (1 + 2)}-${if true then "y" else "n"}"
