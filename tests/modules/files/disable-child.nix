{ tags = [ "child of disabled" ]; }
