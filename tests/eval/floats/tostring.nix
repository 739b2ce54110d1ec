[ (toString 1.0) (toString 0.1) (toString 1.0e20) (toString 3.14159265) (toString (-2.5)) (toString 1.0e-5) ]
