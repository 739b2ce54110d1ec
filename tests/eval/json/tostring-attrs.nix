{ __toString = self: "x"; v = 1; }
