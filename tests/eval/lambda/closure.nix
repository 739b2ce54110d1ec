let mk = n: x: x + n; add3 = mk 3; in add3 4
