[ 1 true ] < [ 2 false ]
