lib: with lib; {
  modules = [ ./files/declare-basic.nix ./files/define-a.nix ./files/define-b.nix { count = mkForce 9; } ];
  result = e: {
    inherit (e.options.count) files definitions highestPrio isDefined declarations;
    defs = e.options.count.definitionsWithLocations;
    tags = e.options.tags.definitionsWithLocations;
    unset = { inherit (e.options.name) isDefined highestPrio files; };
    str = toString e.options.settings;
    loc = e.options.settings.loc;
  };
}
