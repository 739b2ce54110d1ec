builtins.deepSeq { f = x: throw "body"; } 1
