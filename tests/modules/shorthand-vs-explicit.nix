lib: with lib; {
  modules = [
    { options.a = mkOption { type = types.listOf types.int; }; config.a = [ 1 ]; }
    { a = [ 2 ]; }
    { config = { a = [ 3 ]; }; }
    { _file = "virtual.nix"; a = [ 4 ]; }
  ];
  result = e: { inherit (e.config) a; files = e.options.a.files; };
}
