lib: with lib; {
  specialArgs = { special = "from specialArgs"; };
  modules = [
    { _module.args.special = "from _module.args"; _module.args.plain = mkDefault "default"; }
    { _module.args.plain = "set"; }
    ({ special, plain, ... }: { options.r = mkOption { default = [ special plain ]; }; })
  ];
}
