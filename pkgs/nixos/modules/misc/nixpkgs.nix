# Which package set the system is built from: `pkgs` (the module argument)
# is the collection instantiated for `nixpkgs.hostPlatform` (built on
# `nixpkgs.buildPlatform`), or for the older `nixpkgs.localSystem` /
# `nixpkgs.crossSystem` / `nixpkgs.system`, with `nixpkgs.overlays` and
# `nixpkgs.config`; or `nixpkgs.pkgs` given as it is.
#
# As in NixOS: a host platform without a build platform is a native build for
# that host (built where the host's programs run: on such a machine or
# through emulation); a build platform other than the host is a cross build.
{ config, options, lib, ... }:
with lib;
let
  cfg = config.nixpkgs;
  opt = options.nixpkgs;

  platformType = types.either types.str types.attrs // {
    description = "platform (a system double such as \"aarch64-linux\", a catalogue name, or an attribute set as lib.systems.elaborate takes)";
  };
  # Defined in a module, not only by this module's defaults.
  setByUser = o: o.highestPrio < 1500;

  overlayType = mkOptionType {
    name = "nixpkgs-overlay";
    description = "nixpkgs overlay (final: prev: { ... })";
    check = isFunction;
    merge = mergeOneOption;
  };
  configType = mkOptionType {
    name = "nixpkgs-config";
    description = "nixpkgs config";
    check = x: isAttrs x || isFunction x;
    merge = loc: defs: foldl' (acc: def: recursiveUpdate acc (if isFunction def.value then def.value { pkgs = finalPkgs; } else def.value)) { } defs;
  };
  pkgsType = mkOptionType {
    name = "nixpkgs";
    description = "an evaluation of the package collection";
    check = x: isAttrs x && x ? stdenv;
    merge = mergeOneOption;
  };

  collection = import ../../..;
  finalPkgs =
    if opt.pkgs.isDefined then
      (if cfg.overlays == [ ] then cfg.pkgs else cfg.pkgs.appendOverlays cfg.overlays)
    else collection ({ inherit (cfg) config overlays; } // (
      if opt.hostPlatform.isDefined then { localSystem = cfg.buildPlatform; crossSystem = cfg.hostPlatform; }
      else { localSystem = cfg.localSystem; crossSystem = cfg.crossSystem; }
    ));
in
{
  options.nixpkgs = {
    hostPlatform = mkOption {
      type = platformType;
      apply = lib.systems.resolve;
      example = "aarch64-linux";
      description = "The platform the system runs on. Set it (rather than `nixpkgs.system`) in new configurations.";
    };
    buildPlatform = mkOption {
      type = platformType;
      default = cfg.hostPlatform;
      defaultText = literalExpression "config.nixpkgs.hostPlatform";
      apply = lib.systems.resolve;
      example = "x86_64-linux";
      description = "The platform the system is built on; when it differs from `nixpkgs.hostPlatform`, the system is cross-compiled.";
    };
    localSystem = mkOption {
      type = platformType;
      default = { inherit (cfg) system; };
      defaultText = literalExpression "{ inherit (config.nixpkgs) system; }";
      apply = lib.systems.resolve;
      description = "The platform the system is built on (the older form; ignored when `nixpkgs.hostPlatform` is set).";
    };
    crossSystem = mkOption {
      type = types.nullOr platformType;
      default = null;
      apply = x: if x == null then null else lib.systems.resolve x;
      description = "The platform the system runs on, when it is not `nixpkgs.localSystem` (the older form of `nixpkgs.hostPlatform`).";
    };
    system = mkOption {
      type = types.str;
      default =
        if opt.hostPlatform.isDefined then cfg.hostPlatform.system
        else throw "Neither nixpkgs.hostPlatform nor nixpkgs.system is set: say which platform the system runs on, e.g. `nixpkgs.hostPlatform = \"aarch64-linux\";` in a module (or pass `system` to lib.nixosSystem).";
      defaultText = literalExpression "config.nixpkgs.hostPlatform.system";
      example = "aarch64-linux";
      description = "The double of the platform the system is built on and runs on (the oldest form; prefer `nixpkgs.hostPlatform`).";
    };
    overlays = mkOption {
      type = types.listOf overlayType;
      default = [ ];
      example = literalExpression "[ (final: prev: { gcc = final.gcc11; }) ]";
      description = "Overlays applied to the package set.";
    };
    config = mkOption {
      type = configType;
      default = { };
      example = { allowUnsupportedSystem = true; };
      description = "The package collection's `config` argument; definitions are merged recursively.";
    };
    pkgs = mkOption {
      type = pkgsType;
      example = literalExpression "import <xnixpkgs> { crossSystem = \"aarch64-linux\"; }";
      description = "A package set to use as it is (the `nixpkgs.*` platform options are then ignored; `nixpkgs.overlays` are applied on top).";
    };
  };

  config = {
    _module.args.pkgs = finalPkgs;
    assertions = [
      {
        assertion = !(opt.hostPlatform.isDefined && (setByUser opt.crossSystem || setByUser opt.localSystem));
        message = "nixpkgs.hostPlatform is set together with the older nixpkgs.localSystem or nixpkgs.crossSystem; use nixpkgs.hostPlatform (and nixpkgs.buildPlatform for a cross build) only.";
      }
      {
        assertion = !(opt.pkgs.isDefined && setByUser opt.config);
        message = "nixpkgs.pkgs is an instance made elsewhere, so nixpkgs.config cannot change it; pass that config where the instance is made.";
      }
    ];
  };
}
