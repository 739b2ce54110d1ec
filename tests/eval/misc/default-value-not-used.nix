({ a ? throw "default used" }: a) { a = 1; }
