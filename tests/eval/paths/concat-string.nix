baseNameOf (toString (./. + "/sub/file.txt"))
