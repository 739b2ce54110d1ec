''
	Tab
  space
''
