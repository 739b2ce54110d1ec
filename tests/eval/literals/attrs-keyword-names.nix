{ "if" = 1; "then" = 2; "rec" = 3; "let" = 4; "in" = 5; "or" = 6; "true" = 7; "null" = 8; }
