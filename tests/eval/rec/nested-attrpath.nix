rec { a.x = 1; a.y = a.x + 1; b = a.y; }
