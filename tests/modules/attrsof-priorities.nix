lib: with lib; {
  modules = [
    { options.a = mkOption { type = types.attrsOf types.str; default = { d = "default"; }; }; }
    { a.x = mkDefault "low"; a.y = "plain"; }
    { a.x = "high"; a.y = mkForce "forced"; }
  ];
}
