"\${foo} $${bar}"
