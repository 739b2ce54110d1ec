let n = "foo"; in { ${n} = 1; "${n}bar" = 2; }
