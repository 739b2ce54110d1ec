# `<`, `>`, `<=`, `>=` do not chain either.
1 < 2 <= 3
