# A riscv64 board's system, cross-compiled on an x86_64 machine and deployed
# over SSH with `xnix deploy` (see README.md next to this file).
{
  description = "A riscv64 board: busybox, an SSH server (dropbear), curl and a small status page";

  # "nixpkgs" is xnix's bundled collection (the registry maps the name to it).
  inputs.nixpkgs.url = "nixpkgs";

  outputs = { self, nixpkgs }: {
    nixosConfigurations.board = nixpkgs.lib.nixosSystem {
      modules = [ ./configuration.nix ];
    };
  };
}
