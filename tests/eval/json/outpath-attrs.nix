{ a = { outPath = "/some/where"; other = 1; }; }
