with (throw "not evaluated"); 5
