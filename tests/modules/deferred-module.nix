lib: with lib; {
  modules = [
    { options.defaults = mkOption { type = types.deferredModule; default = { }; }; }
    { options.machines = mkOption { type = types.attrsOf (types.submoduleWith { modules = [ { options.role = mkOption { type = types.str; default = "none"; }; options.tags = mkOption { type = types.listOf types.str; default = [ ]; }; } ]; }); }; }
    { defaults = { tags = [ "base" ]; }; }
    { defaults = { role = mkDefault "worker"; }; }
    ({ config, ... }: { machines.a = config.defaults; machines.b = mkMerge [ config.defaults { role = "db"; } ]; })
  ];
}
