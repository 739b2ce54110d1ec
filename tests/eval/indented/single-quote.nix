''
  it's fine
  a ' b
''
