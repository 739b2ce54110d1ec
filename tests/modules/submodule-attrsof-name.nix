lib: with lib; {
  modules = [
    { options.users = mkOption { type = types.attrsOf (types.submodule ({ name, config, ... }: { options = { name = mkOption { type = types.str; default = name; }; home = mkOption { type = types.str; default = "/home/${config.name}"; }; uid = mkOption { type = types.nullOr types.int; default = null; }; }; })); }; }
    { users.alice = { }; users.bob.uid = 1000; }
    { users.carol.name = "caroline"; users.bob.home = "/srv/bob"; }
  ];
}
