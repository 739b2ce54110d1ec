lib: with lib; {
  modules = [
    { options.s = mkOption { type = types.attrsOf types.int; default = { }; }; }
    { s = mkIf false { a = 1; }; }
  ];
}
