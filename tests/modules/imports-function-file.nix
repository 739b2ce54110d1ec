lib: with lib; {
  modules = [ ./files/function-module.nix { enable = true; count = 4; } ];
}
