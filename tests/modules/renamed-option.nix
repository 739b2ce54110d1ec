lib: with lib; {
  modules = [
    ./files/declare-basic.nix
    { options.warnings = mkOption { type = types.listOf types.str; default = [ ]; }; }
    (mkRenamedOptionModule [ "services" "old" "name" ] [ "name" ])
    { services.old.name = mkDefault "renamed"; }
  ];
  result = e: { inherit (e.config) name warnings; };
}
