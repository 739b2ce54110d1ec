lib: with lib; {
  modules = [
    { config._module.check = false; options.a = mkOption { type = types.int; default = 1; }; }
    { undeclared = 5; nested.undeclared = true; }
  ];
}
