# Heavy attribute-set work: repeated `//` updates of growing sets, mapAttrs
# over them, and lookups into the result.
let
  inherit (builtins) genList listToAttrs mapAttrs foldl' attrNames length;
  size = 5000;
  base = listToAttrs (genList (i: { name = "attr${toString i}"; value = i; }) size);
  # Each round overrides a slice of the set and maps over all of it.
  round = acc: r:
    let
      patch = listToAttrs (genList (i: {
        name = "attr${toString (i * 7 + r)}";
        value = i + r;
      }) 200);
      merged = acc // patch // { "round${toString r}" = r; };
    in
    mapAttrs (name: value: value + 1) merged;
  final = foldl' round base (genList (r: r) 100);
in
{
  count = length (attrNames final);
  sample = [ final.attr0 final.attr100 final.attr1399 final.round99 ];
  total = foldl' (sum: name: sum + final.${name}) 0 (attrNames final);
}
