"${{ __toString = self: "ts-${self.v}"; v = "1"; }}"
