lib: with lib; {
  modules = [
    { options.s = mkOption { type = types.submoduleWith { specialArgs = { greeting = "hi"; }; modules = [ ({ greeting, ... }: { options.msg = mkOption { type = types.str; default = greeting; }; }) ]; }; default = { }; }; }
    { options.t = mkOption { type = types.submoduleWith { modules = [ { options.x = mkOption { type = types.int; }; } ]; }; }; }
    { t = { imports = [ { x = 1; } ]; }; }
  ];
}
