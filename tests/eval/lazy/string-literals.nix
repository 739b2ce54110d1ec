{ a = "plain"; b = ''indented''; c = "${"interp"}"; }
