# A corpus of small modules for the module-system benchmarks, written against the
# module-system interface alone (`evalModules`, `mkOption`, `types`, the properties) so
# that the same modules run through nixpkgs' lib and through the collection's own.
#
# `lib: count: result`: `count` modules in the shape of a large configuration. One module
# in ten declares a service (a submodule with an enable flag, a port, ordered tags and an
# `attrsOf` of settings); every module defines parts of several services with `mkIf`,
# `mkMerge`, `mkDefault`, `mkForce`, `mkOverride`, `mkBefore`/`mkAfter` and reads
# `config` back (conditions and values that depend on other modules' definitions); every
# module adds entries to top-level `attrsOf` options (a submodule per user, plain strings
# per variable). The result summarises the whole `config`, so every definition is merged
# and type-checked.
lib: count:
let
  inherit (lib) mkOption types mkIf mkMerge mkDefault mkForce mkOverride mkBefore mkAfter;
  mod = a: b: a - b * (a / b);
  services = count / 10;
  svc = i: "svc${toString (mod i services)}";

  declaration = k: {
    services.${"svc${toString k}"} = mkOption {
      default = { };
      type = types.submodule ({ name, config, ... }: {
        options = {
          enable = mkOption { type = types.bool; default = false; };
          port = mkOption { type = types.port; default = 1000 + k; };
          tags = mkOption { type = types.listOf types.str; default = [ ]; };
          settings = mkOption {
            type = types.attrsOf (types.either types.str types.int);
            default = { };
          };
          description = mkOption { type = types.str; default = "service ${name}"; };
        };
        config.settings.listen = mkDefault config.port;
      });
    };
  };

  module = i: { config, ... }: {
    options = if mod i 10 == 0 then declaration (i / 10) else { };
    config = mkMerge [
    {
      services.${svc i} = {
        enable = mkDefault (mod (mod i services) 3 != 0);
        tags = (if mod i 2 == 0 then mkBefore else mkAfter) [ "m${toString i}" ];
        settings."key${toString i}" = mkOverride 900 i;
      };
      users.${"user${toString i}"} = {
        uid = 1000 + i;
        groups = [ (svc i) ] ++ lib.optional (mod i 5 == 0) "wheel";
      };
      variables."VAR_${toString (mod i 97)}" = mkDefault "m${toString (mod i 97)}";
      features."f${toString (mod i 50)}" = mod (mod i 50) 3 != 0;
    }
    (mkIf config.features."f${toString (mod (i + 1) 50)}" {
      services.${svc (i + 2)}.settings."peer${toString i}" = "${svc (i + 1)}:${toString config.services.${svc (i + 1)}.port}";
    })
    (mkIf (mod i 7 == 0) {
      services.${svc i}.port = mkForce (20000 + mod i services);
      variables."VAR_${toString (mod i 97)}" = "forced${toString (mod i 97)}";
    })
  ];
  };

  common = {
    options.users = mkOption {
      default = { };
      type = types.attrsOf (types.submodule ({ name, ... }: {
        options = {
          uid = mkOption { type = types.int; };
          home = mkOption { type = types.str; default = "/home/${name}"; };
          groups = mkOption { type = types.listOf types.str; default = [ ]; };
          shell = mkOption { type = types.str; default = "/bin/sh"; };
        };
      }));
    };
    options.features = mkOption {
      type = types.attrsOf types.bool;
      default = { };
    };
    options.variables = mkOption {
      type = types.attrsOf types.str;
      default = { };
    };
  };

  result = lib.evalModules { modules = [ common ] ++ builtins.genList module count; };
  config = result.config;
  enabled = builtins.filter (n: config.services.${n}.enable) (builtins.attrNames config.services);
  sum = builtins.foldl' (a: b: a + b) 0;
in
{
  services = builtins.length (builtins.attrNames config.services);
  enabled = builtins.length enabled;
  ports = sum (map (n: config.services.${n}.port) enabled);
  settings = sum (map (n: builtins.length (builtins.attrNames config.services.${n}.settings)) enabled);
  tags = sum (map (n: builtins.length config.services.${n}.tags) enabled);
  firstTags = config.services.svc1.tags;
  svc3 = config.services.svc3.settings;
  users = builtins.length (builtins.attrNames config.users);
  wheel = builtins.length (builtins.filter (u: builtins.elem "wheel" u.groups) (builtins.attrValues config.users));
  homes = builtins.stringLength (builtins.concatStringsSep ":" (map (u: u.home) (builtins.attrValues config.users)));
  variables = config.variables;
}
