let d = n: { outPath = "/p/${n}"; type = "derivation"; }; in toString [ (d "a") (d "b") ]
