lib: with lib; {
  specialArgs = { which = ./files/declare-basic.nix; };
  modules = [
    ({ which, ... }: { imports = [ which ]; })
    { count = 7; }
  ];
}
