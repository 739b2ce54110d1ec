# List building and processing: genList, map, filter, foldl', concatLists,
# sort and elemAt over lists of tens of thousands of elements.
let
  inherit (builtins) genList foldl' sort filter length elemAt concatLists lessThan;
  n = 200000;
  # A deterministic scramble of 0..n-1 so that sort has work to do.
  scrambled = genList (i: (i * 7919 + 13) - ((i * 7919 + 13) / n) * n) n;
  sorted = sort lessThan scrambled;
  evens = filter (x: x - (x / 2) * 2 == 0) sorted;
  squares = map (x: x * x) evens;
  chunks = genList (c: genList (i: c * 10 + i) 10) 20000;
  flat = concatLists chunks;
  sum = foldl' (a: b: a + b) 0;
in
{
  sortedHead = elemAt sorted 0;
  sortedLast = elemAt sorted (n - 1);
  evenCount = length evens;
  squareSum = sum squares;
  flatSum = sum flat;
  flatLength = length flat;
}
