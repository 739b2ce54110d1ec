builtins.fromTOML ''
  [[item]]
  name = "a"
  [[item]]
  name = "b"
  tags = [ "x", "y" ]
''
