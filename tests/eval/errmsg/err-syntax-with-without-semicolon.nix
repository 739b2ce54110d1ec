with 1
