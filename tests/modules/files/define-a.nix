{ count = 2; tags = [ "a" ]; settings.x = 1; }
