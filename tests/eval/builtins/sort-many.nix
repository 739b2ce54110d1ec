builtins.sort builtins.lessThan (builtins.genList (i: builtins.bitXor (i * 7919) 1234 - (i * 31)) 200)
