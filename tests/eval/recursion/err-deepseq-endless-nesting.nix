# Forcing ever deeper fresh lists fails with a stack overflow error; the many
# levels built up until then must also be released without crashing.
let f = n: [ (f (n + 1)) ]; in builtins.deepSeq (f 0) 1
