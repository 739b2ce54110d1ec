lib: with lib; {
  modules = [ ./files/declare-basic.nix ./files/disable-target.nix ./files/disabler.nix { tags = [ "kept" ]; } ];
}
