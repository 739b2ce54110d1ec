# A riscv64 board's system, cross-built on x86_64, for the deployment tests
# (crates/xnix/tests/deploy_ssh.rs): each generation has its own /etc entry
# and a small C program that prints the generation. `modules` adds to it.
{ generation ? 1, modules ? [ ] }:
let lib = import ../../pkgs/lib; in
lib.nixosSystem {
  modules = [
    ({ pkgs, ... }: {
      nixpkgs.buildPlatform = "x86_64-linux";
      nixpkgs.hostPlatform = "riscv64-linux";
      system.stateVersion = "0.1";
      networking.hostName = "board";
      environment.etc."board-generation".text = "${toString generation}\n";
      environment.systemPackages = [
        (pkgs.stdenv.mkDerivation {
          name = "board-greeting-${toString generation}";
          buildCommand = ''
            mkdir -p $out/bin
            printf '#include <stdio.h>\nint main(void) { puts("board generation ${toString generation}"); return 0; }\n' > greet.c
            $CC greet.c -o $out/bin/board-greeting
          '';
        })
      ];
    })
  ] ++ modules;
}
