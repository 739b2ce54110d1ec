lib: with lib; {
  modules = [
    { options.s = mkOption { type = types.submodule { options = { a = mkOption { type = types.int; default = 1; }; b = mkOption { type = types.listOf types.str; default = [ ]; }; }; }; default = { }; }; }
    { s.b = [ "x" ]; }
    { s = { b = [ "y" ]; a = 2; }; }
  ];
}
