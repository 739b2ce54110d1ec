lib: with lib; {
  modules = [
    { options = { c = mkOption { type = types.coercedTo types.int toString types.str; }; l = mkOption { type = types.coercedTo types.str (s: [ s ]) (types.listOf types.str); }; }; }
    { c = 42; l = "one"; }
    { l = [ "two" ]; }
  ];
}
