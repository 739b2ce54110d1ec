"a${b
