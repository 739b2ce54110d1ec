let f = x: x; in [ ({ a = f; } == { a = f; }) ({ a = x: x; } == { a = x: x; }) ]
