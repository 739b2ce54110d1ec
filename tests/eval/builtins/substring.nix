with builtins; [ (substring 0 3 "hello") (substring 1 100 "hello") (substring 5 2 "hello") (substring 10 2 "hello") (substring 2 0 "hello") (substring 1 (-1) "hello") ]
