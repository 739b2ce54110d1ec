''
  a''\nb
  tab''\tx
  cr''\ry
  bs''\\z
''
