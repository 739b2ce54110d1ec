let x = 1; in x.y or 3
