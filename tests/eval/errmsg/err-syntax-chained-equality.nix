# `==` does not chain: a second comparison in a row is a syntax error.
let a = 1; in a == 1 == true
