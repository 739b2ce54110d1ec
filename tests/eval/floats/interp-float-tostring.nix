let f = 0.1; in "v=${toString f}"
