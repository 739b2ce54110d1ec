builtins.genericClosure { startSet = [ { key = 0; tag = "s"; } ]; operator = x: if x.key < 3 then [ { key = x.key + 1; tag = "n${toString x.key}"; } ] else [ ]; }
