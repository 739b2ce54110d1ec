let k = "a"; in { ${k}.x = 1; ${k}.y = 2; }
