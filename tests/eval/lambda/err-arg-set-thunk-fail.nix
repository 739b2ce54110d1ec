({ a, ... }: 5) (throw "set itself")
