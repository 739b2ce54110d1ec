let z = 5; in rec { inherit z; w = z + 1; }
