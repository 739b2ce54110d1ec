lib: with lib; {
  modules = [
    { options = { s = mkOption { }; l = mkOption { }; a = mkOption { }; b = mkOption { }; i = mkOption { }; one = mkOption { }; }; }
    { s = "a"; l = [ 1 ]; a = { x = 1; }; b = false; i = 3; one = { only = true; }; }
    { s = "b"; l = [ 2 ]; a = { x = 2; y = 2; }; b = true; i = 3; }
  ];
}
