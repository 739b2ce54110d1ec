# A small library in the style of nixpkgs' lib, used by the idioms tests.
let
  inherit (builtins) foldl' attrNames head tail length elemAt genList filter
    concatLists isAttrs isList listToAttrs mapAttrs stringLength substring
    replaceStrings concatStringsSep elem;
in
rec {
  id = x: x;
  const = x: _: x;
  flip = f: a: b: f b a;
  fix = f: let x = f x; in x;
  extends = overlay: f: self: let super = f self; in super // overlay self super;
  makeExtensible = rattrs:
    let self = rattrs self // { extend = f: makeExtensible (extends f rattrs); }; in self;

  foldr = op: nul: list:
    let
      len = length list;
      go = n: if n == len then nul else op (elemAt list n) (go (n + 1));
    in go 0;
  range = first: last: if first > last then [ ] else genList (n: first + n) (last - first + 1);
  flatten = x: if isList x then concatLists (map flatten x) else [ x ];
  unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];
  reverseList = xs: let l = length xs; in genList (n: elemAt xs (l - n - 1)) l;
  last = xs: elemAt xs (length xs - 1);
  take = n: xs: genList (i: elemAt xs i) (if n < length xs then n else length xs);
  drop = n: xs: let l = length xs; in if n >= l then [ ] else genList (i: elemAt xs (i + n)) (l - n);
  zipListsWith = f: a: b:
    genList (i: f (elemAt a i) (elemAt b i)) (if length a < length b then length a else length b);
  count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;

  optional = cond: elem: if cond then [ elem ] else [ ];
  optionals = cond: elems: if cond then elems else [ ];
  optionalAttrs = cond: as: if cond then as else { };
  optionalString = cond: s: if cond then s else "";

  mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
  filterAttrs = pred: set:
    listToAttrs (concatLists (map (name: let v = set.${name}; in if pred name v then [ { inherit name; value = v; } ] else [ ]) (attrNames set)));
  nameValuePair = name: value: { inherit name value; };
  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
  attrByPath = attrPath: default: e:
    let attr = head attrPath; in
    if attrPath == [ ] then e
    else if e ? ${attr} then attrByPath (tail attrPath) default e.${attr}
    else default;
  setAttrByPath = attrPath: value:
    if attrPath == [ ] then value else { ${head attrPath} = setAttrByPath (tail attrPath) value; };
  recursiveUpdate = lhs: rhs:
    let
      merge = l: r: l // mapAttrs (name: rv:
        if l ? ${name} && isAttrs l.${name} && isAttrs rv then merge l.${name} rv else rv) r;
    in merge lhs rhs;

  concatStrings = concatStringsSep "";
  concatMapStrings = f: list: concatStrings (map f list);
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
  stringToCharacters = s: genList (p: substring p 1 s) (stringLength s);
  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  toUpper = replaceStrings lowerChars upperChars;
  toLower = replaceStrings upperChars lowerChars;
  hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
  hasSuffix = suffix: content:
    let lenContent = stringLength content; lenSuffix = stringLength suffix; in
    lenContent >= lenSuffix && substring (lenContent - lenSuffix) lenContent content == suffix;
  removePrefix = pref: str: if hasPrefix pref str then substring (stringLength pref) (stringLength str) str else str;
  escapeShellArg = arg: "'${replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
  splitString = sep: s: filter builtins.isString (builtins.split (escapeRegex sep) s);
  escapeRegex = replaceStrings
    (stringToCharacters "\\[{()^$?*+|.")
    (map (c: "\\${c}") (stringToCharacters "\\[{()^$?*+|."));
  versionOlder = v1: v2: builtins.compareVersions v2 v1 == 1;
  boolToString = b: if b then "true" else "false";
}
