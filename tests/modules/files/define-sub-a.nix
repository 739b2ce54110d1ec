{ s.web.port = "eighty"; }
