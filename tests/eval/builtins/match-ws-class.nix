builtins.match "([^[:space:]]+)[[:space:]]+(.*)" "key   value here"
