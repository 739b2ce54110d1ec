# A board's system as a flake, with the bundled collection as `nixpkgs`, for
# `xnix rebuild --flake` and `xnix deploy --flake` (crates/xnix/tests/deploy_ssh.rs).
{
  description = "A riscv64 board deployed from a flake";

  inputs.nixpkgs.url = "nixpkgs";

  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.board = nixpkgs.lib.nixosSystem {
      modules = [{
        nixpkgs.buildPlatform = "x86_64-linux";
        nixpkgs.hostPlatform = "riscv64-linux";
        system.stateVersion = "0.1";
        networking.hostName = "board";
        environment.etc."board-generation".text = "flake\n";
      }];
    };
  };
}
