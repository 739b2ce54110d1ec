{ n = null; t = true; f = false; }
