lib: with lib; {
  modules = [
    ./files/declare-basic.nix ./files/define-a.nix ./files/define-b.nix
    { count = 10; name = mkForce "forced"; }
    { name = "plain"; }
  ];
}
