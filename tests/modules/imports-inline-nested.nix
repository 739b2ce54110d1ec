lib: with lib; {
  modules = [
    { imports = [ { imports = [ { options.x = mkOption { type = types.listOf types.int; }; } { x = [ 1 ]; } ]; x = [ 2 ]; } ({ ... }: { x = [ 3 ]; }) ]; }
    { x = [ 4 ]; }
  ];
}
