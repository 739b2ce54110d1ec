[ (dirOf /a/b/c) (dirOf /a) ]
