rec { x = 1; inner = { x = 2; y = x; }; }
