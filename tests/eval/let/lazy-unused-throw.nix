let x = throw "never"; y = 3; in y
