let v = "V"; in ''
    x
  ${v} y
''
