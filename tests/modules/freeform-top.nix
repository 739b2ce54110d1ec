lib: with lib; {
  modules = [
    { freeformType = types.attrsOf types.int; options.declared = mkOption { type = types.str; default = "d"; }; }
    { a = 1; b = mkDefault 2; }
    { b = 3; declared = "set"; }
  ];
}
