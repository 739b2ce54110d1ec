# types.package: a store path given as a plain string (or through
# mkDefault) becomes a package with one output; a derivation-like set is
# kept as it is; nullOr package takes null.
lib: with lib; {
  modules = [
    {
      options.fromString = mkOption { type = types.package; };
      options.fromDefault = mkOption { type = types.package; default = "/nix/store/00000000000000000000000000000000-default-pkg-2.0"; };
      options.asSet = mkOption { type = types.package; };
      options.maybe = mkOption { type = types.nullOr types.package; default = null; };
      options.inList = mkOption { type = types.listOf types.package; default = [ ]; };
    }
    {
      fromString = "/nix/store/ffffffffffffffffffffffffffffffff-hello-2.12.1";
      asSet = { type = "derivation"; name = "fake"; outPath = "/nix/store/11111111111111111111111111111111-fake"; };
      inList = [ "/nix/store/22222222222222222222222222222222-a-1" ];
    }
  ];
  result = e:
    let
      show = p: { inherit (p) type name; path = p.outPath; outputs = p.outputs or null; outputName = p.outputName or null; sameOut = (p.out or p).outPath == p.outPath; };
    in
    {
      fromString = show e.config.fromString;
      fromDefault = show e.config.fromDefault;
      asSet = show e.config.asSet;
      maybe = e.config.maybe;
      inList = map show e.config.inList;
    };
}
