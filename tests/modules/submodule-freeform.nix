lib: with lib; {
  modules = [
    { options.settings = mkOption { type = types.submodule { freeformType = types.attrsOf types.str; options.port = mkOption { type = types.port; default = 80; }; }; default = { }; }; }
    { settings.name = "web"; settings.other = "x"; }
    { settings.port = 8080; }
  ];
}
