# Imports as paths, path strings and functions, a module imported twice
# (taken once), and disabledModules removing a path import together with
# what it imports.
lib: with lib; {
  modules = [
    ./files/declare-basic.nix
    (toString ./files/define-a.nix)
    ({ ... }: { imports = [ ./files/define-a.nix ./files/imports-top.nix ]; })
    { disabledModules = [ ./files/imports-top.nix ]; }
  ];
}
