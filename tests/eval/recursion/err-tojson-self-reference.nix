# toJSON of a set that contains itself recurses without end: an error, not a crash.
builtins.toJSON (let a = { b = a; }; in a)
