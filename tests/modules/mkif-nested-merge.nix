lib: with lib; {
  modules = [
    ./files/declare-basic.nix
    { config = mkMerge [ (mkIf true { tags = [ "a" ]; }) (mkIf true (mkMerge [ { tags = [ "b" ]; } (mkIf false { tags = [ "c" ]; }) ])) ]; }
    { settings = mkMerge [ { x = 1; } (mkIf true { y = mkIf true 2; z = mkIf false 3; }) ]; }
  ];
}
