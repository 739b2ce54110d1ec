let s = { x = { y = 1; }; }; in s // { z = s.x; }
