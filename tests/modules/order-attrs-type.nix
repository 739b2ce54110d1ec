lib: with lib; {
  modules = [
    { options.a = mkOption { type = types.attrs; }; }
    { a = { x = 1; y = 1; }; }
    { a = { x = 2; z = { deep = 1; }; }; }
    { a = { z = { other = 2; }; }; }
  ];
}
