let lib = import ./lib/mini-lib.nix; in with lib; let base = self: { a = 1; b = self.a + 1; }; ov = self: super: { a = 10; c = super.b * 2; }; in fix (extends ov base)
