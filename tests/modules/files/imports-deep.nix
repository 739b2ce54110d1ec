{ tags = [ "deep" ]; }
