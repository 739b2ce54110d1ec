let a = 5; in [ (a -1) (a - 1) ]
