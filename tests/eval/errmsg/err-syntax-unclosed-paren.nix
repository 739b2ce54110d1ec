(x: x
