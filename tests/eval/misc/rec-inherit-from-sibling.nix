rec { a = { b = 1; }; inherit (a) b; }
