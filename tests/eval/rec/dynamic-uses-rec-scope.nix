rec { n = "k"; ${n} = 5; }
