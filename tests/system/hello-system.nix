# A system with `hello`, native or cross (nixpkgs.buildPlatform /
# nixpkgs.hostPlatform), for the build test.
{ hostPlatform ? null, buildPlatform ? null }:
let lib = import ../../pkgs/lib; in
lib.nixosSystem {
  modules = [
    ({ pkgs, ... }: {
      nixpkgs.hostPlatform = if hostPlatform == null then "x86_64-linux" else hostPlatform;
      system.stateVersion = "0.1";
      networking.hostName = "hello-board";
      environment.systemPackages = [ pkgs.hello ];
      environment.etc."hello.conf".text = "greeting=hello\n";
      systemd.services.hello = {
        wantedBy = [ "multi-user.target" ];
        serviceConfig.Type = "oneshot";
        script = "${pkgs.hello}/bin/hello";
      };
    })
    (if buildPlatform == null then { } else { nixpkgs.buildPlatform = buildPlatform; })
  ];
}
