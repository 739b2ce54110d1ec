# A system configuration: the collection's modules (modules/module-list.nix)
# and the user's, evaluated by the module system. `lib.nixosSystem` (also
# `lib.xnixSystem`) is this function.
{ lib
, modules
, specialArgs ? { }
  # The double the system is for when no module sets `nixpkgs.hostPlatform`
  # (nixpkgs' `system` argument; null: a module must say).
, system ? null
, baseModules ? import ../modules/module-list.nix
, extraModules ? [ ]
, prefix ? [ ]
}:
let
  argsModule = {
    _file = toString ./eval-config.nix;
    key = toString ./eval-config.nix;
    config = lib.mkIf (system != null) { nixpkgs.system = lib.mkDefault system; };
  };
  evaluated = lib.evalModules {
    inherit prefix;
    class = "nixos";
    modules = baseModules ++ extraModules ++ [ argsModule ] ++ modules;
    specialArgs = { modulesPath = toString ../modules; } // specialArgs;
  };
  withPkgs = e: e // {
    inherit (e._module.args) pkgs;
    extendModules = args: withPkgs (e.extendModules args);
  };
in
withPkgs evaluated
