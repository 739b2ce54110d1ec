# String building: interpolation in a loop, concatStrings(Sep),
# replaceStrings, substring and stringLength over growing strings.
let
  inherit (builtins) genList concatStringsSep foldl' stringLength replaceStrings substring hashString;
  n = 100000;
  words = genList (i: "word${toString i}") n;
  joined = concatStringsSep " " words;
  lines = genList (i: "line ${toString i}: ${toString (i * i)} (${if i / 2 * 2 == i then "even" else "odd"})") n;
  text = concatStringsSep "\n" lines;
  replaced = replaceStrings [ "even" "odd" ] [ "E" "O" ] text;
  # Quadratic-ish accumulation kept small enough to stay fast.
  acc = foldl' (s: i: s + "${toString i},") "" (genList (i: i) 10000);
in
{
  joinedLength = stringLength joined;
  textLength = stringLength text;
  replacedLength = stringLength replaced;
  accLength = stringLength acc;
  middle = substring 1000 40 replaced;
  digest = hashString "sha256" replaced;
}
