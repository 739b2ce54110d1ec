{ x = builtins.attrValues { a = throw "strict forces"; }; }
