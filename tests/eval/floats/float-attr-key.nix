{ ${toString 1.5} = true; }
