# functionTo merges the results of all definitions for the same argument as
# its element type: attribute sets per attribute, lists concatenated in
# order.
lib: with lib; {
  modules = [
    {
      options.f = mkOption { type = types.functionTo (types.attrsOf types.int); };
      options.g = mkOption { type = types.functionTo (types.listOf types.str); default = x: [ "default-${x}" ]; };
    }
    { f = x: { a = x; }; g = x: [ "one-${x}" ]; }
    { f = x: { b = x * 2; }; g = x: mkBefore [ "before-${x}" ]; }
  ];
  result = e: { f = e.config.f 3; g = e.config.g "v"; };
}
