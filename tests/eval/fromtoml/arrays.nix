builtins.fromTOML ''
  ints = [ 1, 2, 3 ]
  nested = [ [ 1 ], [ "a" ] ]
  empty = []
''
