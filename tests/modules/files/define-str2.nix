{ count = "four"; name = "c"; }
