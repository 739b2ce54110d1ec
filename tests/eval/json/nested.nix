{ list = [ 1 [ 2 [ 3 ] ] ]; set = { x.y.z = "deep"; }; }
