{ s.web.port = 80; }
