let n = "x"; in baseNameOf (toString (./. + "/${n}"))
