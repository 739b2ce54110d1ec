{ f = x: throw "body"; }
