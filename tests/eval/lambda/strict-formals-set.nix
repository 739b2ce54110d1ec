({ a, ... }: 5) { a = throw "no"; }
