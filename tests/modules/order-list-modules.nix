lib: with lib; {
  modules = [
    { options.y = mkOption { type = types.listOf types.int; }; }
    { y = [ 1 ]; }
    { y = [ 2 ]; }
    { imports = [ { y = [ 3 ]; } { y = [ 4 ]; imports = [ { y = [ 5 ]; } ]; } ]; y = [ 6 ]; }
    { y = [ 7 ]; }
  ];
}
