# The JSON integer -0 is the Nix integer 0; "-0" inside a string stays text.
builtins.fromJSON "[-0, 1, {\"a\": -0}, \"-0\", \"x-0.5\"]"
