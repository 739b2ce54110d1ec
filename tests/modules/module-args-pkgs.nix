lib: with lib; {
  modules = [
    { _module.args.pkgs = { hello = { name = "hello-2.12"; }; }; }
    ({ pkgs, ... }: { options.p = mkOption { type = types.str; default = pkgs.hello.name; }; })
    ({ config, ... }: { _module.args.derived = config.p + "!"; })
    ({ derived, ... }: { options.d = mkOption { type = types.str; default = derived; }; })
  ];
}
