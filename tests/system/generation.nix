# A small system in two generations, for the activation test: the second
# changes /etc/motd, drops /etc/dropped.conf and the service xnix-gone,
# changes the units of xnix-test and xnix-idle, keeps a copied file, and
# orders its activation scripts by their dependencies.
{ generation, log ? "/var/log/xnix-activation-order" }:
let lib = import ../../pkgs/lib; in
lib.nixosSystem {
  system = "x86_64-linux";
  modules = [
    {
      system.stateVersion = "0.1";
      networking.hostName = "gen${toString generation}";
      environment.etc."motd".text = "generation ${toString generation}\n";
      environment.etc."xnix-test/copied.conf" = { text = "copied\n"; mode = "0640"; };
      environment.etc."xnix-test/nested/deep.conf".text = "deep\n";
      users.groups.xnixtest = { };
      users.users.xnixsvc = { isSystemUser = true; group = "xnixtest"; };
      users.users.xnixuser = { isNormalUser = true; extraGroups = [ "xnixtest" ]; };
      systemd.services.xnix-test = {
        wantedBy = [ "multi-user.target" ];
        serviceConfig.Type = "oneshot";
        script = "echo generation ${toString generation}";
      };
      # Not wanted by any target: a changed unit is restarted only if it runs.
      systemd.services.xnix-idle.script = "echo idle ${toString generation}";
      # Run in the order third, second, first (by their deps), after /etc.
      system.activationScripts.first = { deps = [ "second" ]; text = "echo first >> ${log}"; };
      system.activationScripts.second = { deps = [ "third" ]; text = "echo second >> ${log}"; };
      system.activationScripts.third = { deps = [ "etc" ]; text = "echo third >> ${log}"; };
    }
    {
      config = lib.mkIf (generation == 1) {
        environment.etc."dropped.conf".text = "only in generation 1\n";
        systemd.services.xnix-gone = { wantedBy = [ "multi-user.target" ]; script = "true"; };
      };
    }
  ];
}
