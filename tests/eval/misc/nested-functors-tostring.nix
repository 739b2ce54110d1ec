toString { __toString = self: toString self.inner; inner = { __toString = s: "deep"; }; }
