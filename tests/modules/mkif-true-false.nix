lib: with lib; {
  modules = [
    ./files/declare-basic.nix
    { tags = mkIf true [ "yes" ]; settings = mkIf false { no = 1; }; name = mkIf false "no"; }
    { tags = mkIf false [ "no" ]; count = mkMerge [ (mkIf false 1) (mkIf true 2) ]; }
  ];
}
