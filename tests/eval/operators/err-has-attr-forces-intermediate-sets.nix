# `v ? d.x` must force `v.d` to look inside it, so the throw fires.
let v = { d = throw "v.d is forced"; }; in v ? d.x
