rec { c = b + a; b = a * 10; a = 3; }
