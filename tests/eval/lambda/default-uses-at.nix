(s@{ a ? s.b, b }: a) { b = 7; }
