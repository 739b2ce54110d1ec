[ 1 (throw "forced by --strict") ]
