builtins.fromTOML ''
  a = 1
  b = "str"
  c = true
  d = 1.5
''
