# The cross-compilation guides' system configurations as one flake, with the bundled
# collection as `nixpkgs`: cross through `nixpkgs.crossSystem`, through
# `nixpkgs.buildPlatform`/`nixpkgs.hostPlatform`, and a second package set whose overlay
# changes the compiler, passed to a module through `specialArgs`.
{
  description = "Boards cross-compiled from x86_64";

  inputs.nixpkgs.url = "nixpkgs";

  outputs = { self, nixpkgs, ... }:
    let
      # Only this instance builds with clang; the system's own packages keep gcc.
      pkgs-clang = import nixpkgs {
        localSystem = "x86_64-linux";
        crossSystem = { config = "aarch64-unknown-linux-gnu"; };
        overlays = [ (final: prev: { gcc = final.clang; }) ];
      };
      common = name: { pkgs, ... }: {
        system.stateVersion = "23.11";
        networking.hostName = name;
        environment.etc."board.conf".text = "board=${name}\n";
      };
    in
    {
      nixosConfigurations.lp4a = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        modules = [
          { nixpkgs.crossSystem = { system = "riscv64-linux"; }; }
          (common "lp4a")
          ({ pkgs, ... }: { environment.systemPackages = [ pkgs.hello ]; })
        ];
      };

      nixosConfigurations.board = nixpkgs.lib.nixosSystem {
        modules = [
          {
            nixpkgs.buildPlatform = "x86_64-linux";
            nixpkgs.hostPlatform = "aarch64-linux";
          }
          (common "board")
          ({ pkgs, ... }: { environment.systemPackages = [ pkgs.hello ]; })
        ];
      };

      nixosConfigurations.clang-board = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = { inherit pkgs-clang; };
        modules = [
          { nixpkgs.crossSystem = { config = "aarch64-unknown-linux-gnu"; }; }
          (common "clang-board")
          ({ pkgs-clang, ... }: { environment.systemPackages = [ pkgs-clang.hello ]; })
        ];
      };
    };
}
