# Overlays see the final set and the previous one, in order.
{ xnixpkgs }:
let
  p = import xnixpkgs {
    overlays = [
      (self: super: { greeting = "a"; twice = self.greeting + self.greeting; })
      (self: super: { greeting = super.greeting + "b"; })
    ];
  };
in
p.greeting == "ab" && p.twice == "abab"
