# --strict printing of an endless chain of fresh sets is an error, not a crash.
let f = n: { a = f (n + 1); }; in f 0
