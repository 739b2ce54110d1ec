let n = 1; in "${toString n}"
