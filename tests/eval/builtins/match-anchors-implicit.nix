builtins.match ".*(x).*" "abxcd"
