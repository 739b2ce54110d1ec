lib: with lib; {
  modules = [
    { options.l = mkOption { type = types.listOf types.int; default = [ 0 ]; }; }
    { l = mkOptionDefault [ 1 ]; }
    { l = mkOptionDefault [ 2 ]; }
    { options.m = mkOption { type = types.listOf types.int; default = [ 0 ]; }; }
    { m = mkDefault [ 1 ]; }
    { m = mkOptionDefault [ 2 ]; }
  ];
}
