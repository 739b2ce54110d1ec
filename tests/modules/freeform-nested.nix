lib: with lib; {
  modules = [
    { config._module.freeformType = types.attrsOf (types.attrsOf types.anything); options.ns.known = mkOption { type = types.int; default = 0; }; }
    { ns.extra = "x"; ns.known = 1; other.k = [ 1 ]; }
    { other.k = [ 1 ]; other.j = { deep = true; }; }
  ];
}
