lib: with lib; {
  prefix = [ "outer" "inner" ];
  modules = [ { options.x = mkOption { type = types.int; default = 1; }; } ];
  result = e: { inherit (e.config) x; loc = e.options.x.loc; shown = toString e.options.x; };
}
