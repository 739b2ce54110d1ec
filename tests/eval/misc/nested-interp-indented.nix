let v = "x"; in ''
  a ${"b ${v} c"} d
''
