# Definitions of attrsOf submodule elements in every shape: shorthand
# attribute sets, explicit { config = ...; }, functions taking `name`, and
# mkIf/mkMerge around whole elements; priorities inside each element.
lib: with lib; {
  modules = [
    {
      options.users = mkOption {
        type = types.attrsOf (types.submodule ({ name, config, ... }: {
          options.home = mkOption { type = types.str; default = "/home/${name}"; };
          options.shell = mkOption { type = types.str; default = "sh"; };
          options.groups = mkOption { type = types.listOf types.str; default = [ ]; };
          options.label = mkOption { type = types.str; default = "${name}:${config.shell}"; };
        }));
        default = { };
      };
    }
    { users.alice = { shell = "bash"; groups = [ "wheel" ]; }; }
    { users.alice = { config, ... }: { groups = mkAfter [ "users-${config.shell}" ]; }; }
    { users.bob = mkIf true { home = mkForce "/srv/bob"; }; }
    { users.bob.home = "/ignored"; }
    { users = mkMerge [ { carol = { }; } (mkIf false { dave = { }; }) ]; }
    { users.carol = { name, ... }: { groups = [ name ]; shell = mkDefault "zsh"; }; }
  ];
}
