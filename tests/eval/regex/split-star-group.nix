builtins.split "(x)*" "axxb"
