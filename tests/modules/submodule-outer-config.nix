lib: with lib; {
  modules = [
    ({ config, ... }: { options.domain = mkOption { type = types.str; default = "example.org"; }; options.hosts = mkOption { type = types.attrsOf (types.submodule ({ name, ... }: { options.fqdn = mkOption { type = types.str; default = "${name}.${config.domain}"; }; })); }; })
    { hosts.a = { }; hosts.b = { }; }
    { domain = "test"; }
  ];
}
