lib: with lib; {
  modules = [
    ./files/declare-basic.nix ./files/define-a.nix ./files/define-b.nix
    { settings = { z = 3; x = mkForce 10; }; }
    { settings.w = mkIf false 4; }
  ];
}
