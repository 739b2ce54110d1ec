# either merges with the left type when every definition fits it, else
# with the right one; nullOr of a list takes several definitions.
lib: with lib; {
  modules = [
    {
      options.e = mkOption { type = types.either types.str (types.listOf types.str); };
      options.f = mkOption { type = types.either (types.listOf types.int) (types.attrsOf types.int); };
      options.n = mkOption { type = types.nullOr (types.listOf types.int); };
    }
    { e = [ "a" ]; f = { x = 1; }; n = [ 1 ]; }
    { e = [ "b" ]; f = { y = 2; }; n = mkAfter [ 2 ]; }
  ];
}
