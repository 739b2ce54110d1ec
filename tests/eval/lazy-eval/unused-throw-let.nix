let a = throw "x"; b = abort "y"; in 1
