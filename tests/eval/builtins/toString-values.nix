map toString [ 1 "s" true false null [ 1 2 ] [ ] [ [ 1 ] [ 2 ] ] 1.5 { outPath = "op"; } ]
