# _module.args with priorities: a mkForce argument wins over a plain one,
# a mkDefault one yields; specialArgs are seen by imports too and cannot be
# shadowed by _module.args.
lib: with lib; {
  specialArgs = { fixed = "special"; };
  modules = [
    { _module.args.color = mkDefault "red"; }
    { _module.args.color = "green"; }
    { _module.args.size = "small"; }
    { _module.args.size = mkForce "large"; }
    { _module.args.fixed = "from-args"; }
    ({ color, size, fixed, ... }: {
      options.out = mkOption { type = types.str; };
      config.out = "${color} ${size} ${fixed}";
    })
    ({ fixed, ... }: { imports = [ ({ size, ... }: { options.inner = mkOption { type = types.str; default = "${fixed}/${size}"; }; }) ]; })
  ];
}
