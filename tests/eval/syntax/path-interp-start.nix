let d = "lib"; in baseNameOf (toString ./${d}/x)
