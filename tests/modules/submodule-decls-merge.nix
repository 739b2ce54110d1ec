lib: with lib; {
  modules = [
    { options.s = mkOption { type = types.submodule { options.a = mkOption { type = types.int; default = 1; }; }; default = { }; }; }
    { options.s = mkOption { type = types.submodule { options.b = mkOption { type = types.int; default = 2; }; }; }; }
    { options.s.c = mkOption { type = types.int; default = 3; }; }
    { s.b = 20; s.c = 30; }
  ];
  result = e: { inherit (e.config) s; decls = builtins.length e.options.s.declarations; };
}
