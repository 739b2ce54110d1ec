lib: with lib; {
  modules = [ ./files/declare-basic.nix ./files/imports-top.nix { tags = [ "inline" ]; } ];
  result = e: { inherit (e.config) tags; files = e.options.tags.files; };
}
