lib: with lib; {
  modules = [
    { options.items = mkOption { type = types.listOf (types.submodule ({ name, ... }: { options = { v = mkOption { type = types.int; }; n = mkOption { type = types.str; default = name; }; }; })); }; }
    { items = [ { v = 1; } { v = 2; } ]; }
    { items = [ { v = 3; } ]; }
  ];
}
