# Priorities wrapped in mkIf and mkMerge, at the namespace level and inside
# values: mkForce inside mkMerge inside mkIf still wins; mkIf false hides a
# stronger priority; mkOverride on a whole namespace reaches each option.
lib: with lib; {
  modules = [
    {
      options.a = mkOption { type = types.int; };
      options.b = mkOption { type = types.int; };
      options.c = mkOption { type = types.listOf types.int; };
      options.ns.x = mkOption { type = types.str; default = "x-default"; };
      options.ns.y = mkOption { type = types.str; };
    }
    { a = 1; b = mkDefault 10; c = [ 1 ]; }
    { a = mkIf true (mkMerge [ (mkForce 2) ]); b = mkIf false (mkForce 20); }
    { c = mkMerge [ (mkIf true (mkOverride 90 [ 2 ])) (mkOverride 90 [ 3 ]) (mkIf false (mkForce [ 4 ])) ]; }
    { config = mkOverride 70 { ns.x = "seventy"; ns.y = "seventy-y"; }; }
    { config = mkIf true (mkMerge [ { ns.y = mkForce "forced-y"; } ]); }
  ];
  result = e: { inherit (e.config) a b c ns; prios = { a = e.options.a.highestPrio; b = e.options.b.highestPrio; c = e.options.c.highestPrio; x = e.options.ns.x.highestPrio; y = e.options.ns.y.highestPrio; }; };
}
