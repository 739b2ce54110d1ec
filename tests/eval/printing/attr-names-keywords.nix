{ "assert" = 1; "else" = 2; "inherit" = 3; "with" = 4; "false" = 5; }
