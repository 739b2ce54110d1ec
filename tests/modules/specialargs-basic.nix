lib: with lib; {
  specialArgs = { flavour = "vanilla"; extra = { n = 4; }; };
  modules = [
    ({ flavour, ... }: { options.f = mkOption { type = types.str; default = flavour; }; })
    ({ extra, specialArgs, ... }: { options.n = mkOption { type = types.int; default = extra.n + builtins.length (builtins.attrNames specialArgs); }; })
  ];
}
