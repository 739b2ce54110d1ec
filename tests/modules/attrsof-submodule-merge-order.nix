lib: with lib; {
  modules = [
    { options.svc = mkOption { type = types.attrsOf (types.submodule { options.after = mkOption { type = types.listOf types.str; default = [ ]; }; options.env = mkOption { type = types.attrsOf types.str; default = { }; }; }); }; }
    { svc.a.after = [ "one" ]; svc.a.env.X = "1"; }
    { svc.a = mkMerge [ { after = [ "two" ]; } { after = mkBefore [ "zero" ]; env.Y = "2"; } ]; }
    { svc.b = { }; }
  ];
}
