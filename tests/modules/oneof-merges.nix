# oneOf picks, for all definitions together, the first member type every
# definition fits, and merges with it: lists concatenate, attribute sets merge
# per attribute, equal strings stay one.
lib: with lib; {
  modules = [
    {
      options.l = mkOption { type = types.oneOf [ types.int (types.listOf types.str) (types.attrsOf types.int) ]; };
      options.a = mkOption { type = types.oneOf [ types.int (types.listOf types.str) (types.attrsOf types.int) ]; };
      options.s = mkOption { type = types.oneOf [ types.bool types.str ]; };
      options.n = mkOption { type = types.nullOr (types.oneOf [ types.int (types.listOf types.int) ]); default = null; };
    }
    { l = [ "x" ]; a = { p = 1; }; s = "same"; }
    { l = mkAfter [ "z" ]; a = { q = 2; }; s = "same"; n = [ 1 ]; }
    { l = mkBefore [ "w" ]; a.r = mkDefault 3; n = [ 2 ]; }
  ];
}
