# With a comparator that is no strict weak order the result of sort depends on
# the exact sequence of comparisons; Nix's is that of C++ std::stable_sort
# (insertion-sorted runs of 7, buffered merges). Sizes around the run and
# merge boundaries.
let
  mix = n: builtins.genList (i: i * 11 - (builtins.div (i * 11) n) * n) n;
  odd = a: b: builtins.bitAnd a 5 < builtins.bitAnd b 3 || a == 7;
in
map (n: builtins.sort odd (mix n)) [ 2 3 7 8 13 14 15 28 29 57 100 ]
++ [
  (builtins.sort (a: b: true) (builtins.genList (i: i) 31))
  (builtins.sort (a: b: a != b) (builtins.genList (i: builtins.bitAnd i 3) 9))
]
