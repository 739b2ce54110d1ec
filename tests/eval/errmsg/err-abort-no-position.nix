let f = x: abort "stop at ${toString x}"; in [ (f 1) ]
