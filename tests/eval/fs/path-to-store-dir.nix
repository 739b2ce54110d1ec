"${./lib/tree}"
