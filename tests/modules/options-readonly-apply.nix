lib: with lib; {
  modules = [
    { options.r = mkOption { type = types.int; readOnly = true; default = 5; }; options.a = mkOption { type = types.listOf types.int; apply = l: map (x: x * 10) l; }; }
    { a = [ 1 2 ]; }
    { options.ro2 = mkOption { type = types.str; readOnly = true; }; config.ro2 = "only"; }
  ];
}
