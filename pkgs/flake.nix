# The collection as a flake. `inputs.nixpkgs.url = "nixpkgs"` (or "xnixpkgs") means this
# flake: the registry maps both names to the bundled collection. `import nixpkgs { ... }`
# of the input still calls ./default.nix, as `import <xnixpkgs> { ... }` does.
{
  description = "xnixpkgs: packages and system configurations, cross-compiled";

  outputs = { self }:
    let
      lib = import ./lib;
      # The machines the package sets are offered for (`legacyPackages.<system>`); any
      # other double works through `import nixpkgs { localSystem = ...; }`.
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "i686-linux"
        "armv6l-linux"
        "armv7l-linux"
        "riscv64-linux"
        "powerpc64le-linux"
      ];
      forSystems = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
    in
    {
      # The library, with `nixosSystem` (and `xnixSystem`) for system configurations.
      inherit lib;

      # The whole collection per build machine; evaluated only when used.
      legacyPackages = forSystems (system: import ./. { localSystem = { inherit system; }; });

      # Overlays over the collection: the compiler choices the cross-compilation guides
      # demonstrate (`nixpkgs.overlays = [ nixpkgs.overlays.gcc11 ];`). A version a
      # target lacks fails when used, naming the versions it has.
      overlays = {
        default = final: prev: { };
        gcc11 = final: prev: { gcc = final.gcc11; };
        gcc12 = final: prev: { gcc = final.gcc12; };
      };

      # The modules of system configurations, for `imports`.
      nixosModules = { };
    };
}
