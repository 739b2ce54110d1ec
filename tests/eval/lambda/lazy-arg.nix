(x: 5) (throw "unused")
