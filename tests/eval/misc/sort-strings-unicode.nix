builtins.sort builtins.lessThan [ "é" "e" "z" "É" "Z" ]
