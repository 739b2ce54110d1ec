lib: with lib; {
  modules = [
    { options.x = mkOption { type = types.int; default = 1; }; }
    { x = mkDefault 2; }
    { x = 3; }
    { options.y = mkOption { type = types.int; default = 1; }; }
    { y = mkDefault 2; }
    { options.z = mkOption { type = types.int; default = 1; }; }
  ];
}
