let v = "V"; in ''
  ${v}
    deeper
''
