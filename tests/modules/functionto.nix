lib: with lib; {
  modules = [
    { options.f = mkOption { type = types.functionTo (types.listOf types.int); }; options.g = mkOption { type = types.functionTo (types.attrsOf types.int); }; }
    { f = x: [ x ]; g = x: { a = x; }; }
    { f = x: [ (x * 2) ]; g = x: { b = x + 1; c = mkIf false 0; }; }
  ];
  result = e: { f = e.config.f 3; g = e.config.g 10; };
}
