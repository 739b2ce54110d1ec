builtins.fromTOML ''
  "with space" = 1
  'lit' = 2
''
