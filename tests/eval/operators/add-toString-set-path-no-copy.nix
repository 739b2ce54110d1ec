# `+` copies a path into the store only when its left operand is a string; a set with
# __toString on the left keeps the path as it is (no store path, no context).
builtins.hasContext ({ __toString = s: "t"; } + ./add-toString-set-path-no-copy.nix)
