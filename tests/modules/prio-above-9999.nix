# Priority numbers above 9999: a single definition keeps its priority (and
# counts); several definitions are compared from 9999, so they all drop out;
# beside an option's default the default wins.
lib: with lib; {
  modules = [
    {
      options.a = mkOption { type = types.int; };
      options.b = mkOption { type = types.int; default = 1; };
      options.c = mkOption { type = types.int; };
      options.d = mkOption { type = types.int; };
    }
    { a = mkOverride 10000 5; b = mkOverride 20000 7; c = mkOverride 9999 3; }
    { d = mkMerge [ (mkOverride 10000 5) (mkOverride 10001 6) ]; }
  ];
  result = e: {
    inherit (e.config) a b c;
    aPrio = e.options.a.highestPrio;
    cPrio = e.options.c.highestPrio;
    d = e.options.d.isDefined;
    dPrio = e.options.d.highestPrio;
  };
}
