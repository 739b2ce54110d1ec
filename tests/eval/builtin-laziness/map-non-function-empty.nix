map 1 [ ]
