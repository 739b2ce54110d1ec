{ "foo bar" = 1; "" = 2; "a.b" = 3; "1x" = 4; "with-dash" = 5; "x'" = 6; }
