builtins.fromJSON " \n\t [ 1 ,\n 2 ] \n"
