let nan = (1.0e300 * 1.0e300) - (1.0e300 * 1.0e300); in [ (nan == nan) (nan < 1.0) ]
