lib: with lib; {
  modules = [
    { options.a = mkOption { type = types.anything; }; }
    { a = { x = 1; nested.p = "s"; l = [ 1 ]; b = true; f = null; }; }
    { a = { y = 2; nested.q = mkIf true 3; nested.r = mkIf false 4; b = true; }; }
  ];
}
