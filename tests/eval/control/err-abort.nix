abort "aborted"
