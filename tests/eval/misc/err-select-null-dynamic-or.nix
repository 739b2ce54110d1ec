let x = null; in { a = 1; }.${x} or 5
