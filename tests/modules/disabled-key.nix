lib: with lib; {
  modules = [
    ./files/declare-basic.nix
    { key = "feature-x"; tags = [ "x" ]; }
    { key = "feature-y"; tags = [ "y" ]; }
    { disabledModules = [ { key = "feature-x"; } ]; }
  ];
}
