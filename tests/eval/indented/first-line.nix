''  first line
  second
''
