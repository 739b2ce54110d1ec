builtins.match "\\$\\{([a-z]+)\\}" "\${var}"
