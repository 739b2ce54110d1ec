lib: with lib; {
  modules = [
    { options = { n = mkOption { type = types.nullOr types.int; default = null; }; m = mkOption { type = types.nullOr (types.listOf types.int); }; e = mkOption { type = types.either types.int (types.listOf types.str); }; f = mkOption { type = types.either types.int (types.listOf types.str); }; o = mkOption { type = types.oneOf [ types.bool types.int types.str ]; }; }; }
    { m = [ 1 ]; e = 5; f = [ "a" ]; o = "s"; }
    { m = [ 2 ]; e = 5; f = [ "b" ]; }
  ];
}
