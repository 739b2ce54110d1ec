# An overlay fixpoint in the style of nixpkgs: a package set of a few
# thousand attributes built with `fix`, extended by several composed
# `self: super:` overlays that override, add and refer across the set.
let
  inherit (builtins) genList listToAttrs foldl' attrNames length elemAt;
  fix = f: let x = f x; in x;
  extends = overlay: f: self: let super = f self; in super // overlay self super;
  composeExtensions = f: g: self: super:
    let fApplied = f self super; in fApplied // g self (super // fApplied);

  size = 6000;
  name = i: "pkg${toString i}";
  mkPkg = self: i: {
    pname = name i;
    version = "1.${toString i}";
    # Each package depends on two earlier ones, through the fixpoint.
    deps = if i < 2 then [ ] else [ self.${name (i - 1)}.pname self.${name (i / 2)}.pname ];
    weight = i;
  };
  base = self: listToAttrs (genList (i: { name = name i; value = mkPkg self i; }) size);

  bumpVersions = self: super: listToAttrs (genList (i: {
    name = name (i * 3);
    value = super.${name (i * 3)} // { version = "2.${toString i}"; };
  }) (size / 3));
  addAliases = self: super: listToAttrs (genList (i: {
    name = "alias${toString i}";
    value = self.${name (i * 5)};
  }) (size / 5));
  # Weights refer back into the final set (at i / 2, so the chains stay
  # logarithmically short).
  reweigh = self: super: listToAttrs (genList (i: {
    name = name i;
    value = super.${name i} // {
      weight = super.${name i}.weight * 2 + (if i > 0 then builtins.stringLength self.${name (i / 2)}.version else 0);
    };
  }) size);
  withTools = self: super: {
    tools = {
      count = length (attrNames super);
      heaviest = self.${name (size - 1)}.weight;
    };
  };

  # Several generic overlays that touch every package, as large overlay
  # stacks do.
  tweaks = genList (k: self: super: builtins.mapAttrs (n: p:
    if p ? weight then p // { weight = p.weight + k; tweaked = (p.tweaked or 0) + 1; } else p) super) 12;

  overlays = [ bumpVersions addAliases reweigh ] ++ tweaks ++ [ withTools ];
  composed = foldl' composeExtensions (self: super: { }) overlays;
  pkgs = fix (extends composed base);
  # Like nixpkgs' cross package sets: the same overlays over other bases.
  variants = genList (v: fix (extends composed (self: builtins.mapAttrs (n: p: p // { variant = v; }) (base self)))) 3;
  variantWeights = map (set: set.${name (size - 1)}.weight + set.${name (size - 1)}.variant) variants;
  totalWeight = foldl' (sum: i: sum + pkgs.${name i}.weight) 0 (genList (i: i) size);
  totalTweaks = foldl' (sum: i: sum + pkgs.${name i}.tweaked) 0 (genList (i: i) size);
  totalDeps = foldl' (sum: i: sum + length pkgs.${name i}.deps) 0 (genList (i: i) size);
in
{
  inherit totalWeight totalDeps totalTweaks variantWeights;
  inherit (pkgs) tools;
  attrCount = length (attrNames pkgs);
  sampleVersion = pkgs.pkg5997.version;
  aliasTarget = pkgs.alias10.pname;
  lastDeps = pkgs.${name (size - 1)}.deps;
}
