{ a = { b = 2; }; }.a.c.d or "def"
