# unsafeGetAttrPos for inherited attributes (Nix records the end of the
# `inherit` keyword or of the closing `)`), for mapAttrs results (no position)
# and for functionArgs (each formal's own position).
let
  lineCol = p: if p == null then null else [ p.line p.column ];
  a = 1;
  src = { a = 2; b = 3; };
in
{
  plain = lineCol (builtins.unsafeGetAttrPos "a" { inherit a; });
  spaced = lineCol (builtins.unsafeGetAttrPos "a" {   inherit    a; });
  nextLine = lineCol (builtins.unsafeGetAttrPos "a" { inherit
    a; });
  comment = lineCol (builtins.unsafeGetAttrPos "a" { inherit /* c */ a; });
  from = lineCol (builtins.unsafeGetAttrPos "b" { inherit (src) a b; });
  fromSpaced = lineCol (builtins.unsafeGetAttrPos "a" { inherit ( src )   a; });
  recSet = lineCol (builtins.unsafeGetAttrPos "a" (rec { x = 1; inherit a; }));
  updated = lineCol (builtins.unsafeGetAttrPos "a" ({ inherit (src) a; } // { }));
  mapped = lineCol (builtins.unsafeGetAttrPos "a" (builtins.mapAttrs (n: v: v) src));
  formal = lineCol (builtins.unsafeGetAttrPos "y" (builtins.functionArgs ({ x, y ? 1 }: x)));
  formalNextLine = lineCol (builtins.unsafeGetAttrPos "y" (builtins.functionArgs (args@{ x,
      y, ... }: x)));
}
