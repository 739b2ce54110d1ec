lib: with lib; {
  modules = [
    { options.u = mkOption { type = types.uniq (types.listOf types.int); }; options.v = mkOption { type = types.unique { message = "only one"; } types.str; default = "d"; }; }
    { u = [ 1 2 ]; v = "set"; }
  ];
}
