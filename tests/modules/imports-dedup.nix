lib: with lib; {
  modules = [ ./files/declare-basic.nix ./files/declare-basic.nix ./files/imports-top.nix { imports = [ ./files/imports-deep.nix ./files/declare-basic.nix ]; } ];
  result = e: { inherit (e.config) tags; declarations = e.options.tags.declarations; };
}
