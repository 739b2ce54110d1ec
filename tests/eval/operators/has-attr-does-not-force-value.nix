# `?` looks names up without forcing the value found: only the sets on the
# way to the last name are forced.
let
  v = { d = throw "the value of d is never needed"; e.f = throw "nor that of e.f"; };
in
[ (v ? d) (v ? e.f) (v ? e.g) ]
