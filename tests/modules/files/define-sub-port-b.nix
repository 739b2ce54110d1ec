{ s.web = { port = 8080; }; }
