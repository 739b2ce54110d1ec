builtins.fromTOML ''
  hex = 0xff
  oct = 0o17
  bin = 0b101
  under = 1_000_000
  neg = -5
  exp = 5e2
  flt = -0.25
''
