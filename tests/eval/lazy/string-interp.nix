let n = "w"; in { s = "h ${n}"; }
