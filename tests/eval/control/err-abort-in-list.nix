[ 1 (abort "x") ]
