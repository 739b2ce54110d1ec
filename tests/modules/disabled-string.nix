lib: with lib; {
  specialArgs.modulesPath = ./files;
  modules = [ ./files/declare-basic.nix ./files/disable-target.nix { disabledModules = [ "disable-target.nix" ]; } ];
}
