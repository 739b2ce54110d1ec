let x = { inherit x; }; in x
