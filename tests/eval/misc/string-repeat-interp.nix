let s = "ab"; in "${s}${s}${s}"
