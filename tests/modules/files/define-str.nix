{ count = "three"; name = "b"; tags = [ 1 ]; settings.x = "one"; }
