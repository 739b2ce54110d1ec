lib: with lib; {
  modules = [
    { options.s = mkOption { type = types.attrsOf (types.submodule { options.greeting = mkOption { type = types.str; }; options.list = mkOption { type = types.listOf types.int; default = [ 0 ]; }; }); }; }
    { s.x = { name, ... }: { greeting = "hello ${name}"; }; }
    { s.x = { config, ... }: { list = [ (builtins.stringLength config.greeting) ]; }; }
    { s.y = { lib, ... }: { greeting = lib.mkDefault "default"; list = lib.mkForce [ 9 ]; }; }
  ];
}
