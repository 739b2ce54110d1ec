{ enable = true; cuont = 5; }
