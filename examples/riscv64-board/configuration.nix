# The board's system. Everything here is built on the deploying machine
# (x86_64) by cross compilers for riscv64; the board needs no compiler.
{ config, lib, pkgs, ... }:
let
  # Public keys that may log in as root over SSH (dropbear takes no
  # passwords). Put your own key here before deploying.
  authorizedKeys = [
    # "ssh-ed25519 AAAA... you@laptop"
  ];
  sshPort = 22;
  statusPort = 8080;

  # The page the status service serves: the system's name and what is in it.
  statusPage = pkgs.writeTextFile {
    name = "board-status-page";
    destination = "/index.html";
    text = ''
      <html><body>
      <h1>${config.networking.hostName}</h1>
      <p>riscv64 board, cross-built by xnix: busybox ${pkgs.busybox.version},
      dropbear ${pkgs.dropbear.version}, curl ${pkgs.curl.version}.</p>
      </body></html>
    '';
  };
in
{
  nixpkgs.buildPlatform = "x86_64-linux";
  nixpkgs.hostPlatform = "riscv64-linux";
  system.stateVersion = "0.1";
  networking.hostName = "board";

  # Where `xnix deploy` connects (as root, over SSH): your board's address.
  # (`xnix rebuild switch --flake .#board --target-host root@ADDRESS` deploys
  # to another address.)
  deployment.targetHost = "192.168.1.50";
  deployment.tags = [ "boards" ];
  # After switching, the deployment is confirmed only if the status page
  # answers; otherwise the board goes back to its previous system by itself.
  deployment.healthChecks = [
    "/xnix/var/xnix/current-system/sw/bin/curl -fsS http://127.0.0.1:${toString statusPort}/ >/dev/null"
  ];

  # In the system's sw/bin (on the board: /xnix/var/xnix/current-system/sw/bin).
  environment.systemPackages = [ pkgs.busybox pkgs.dropbear pkgs.curl ];

  # The SSH server. Its host key is made on the board at first start and
  # kept in /etc/dropbear across generations.
  systemd.services.dropbear = {
    description = "Dropbear SSH server";
    wantedBy = [ "multi-user.target" ];
    after = [ "network.target" ];
    preStart = ''
      mkdir -p /etc/dropbear
      [ -e /etc/dropbear/dropbear_ed25519_host_key ] \
        || ${pkgs.dropbear}/bin/dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key
    '';
    # -F: stay in the foreground (systemd watches it); -E: log to stderr (the journal).
    script = ''
      exec ${pkgs.dropbear}/sbin/dropbear -F -E -p ${toString sshPort} \
        -r /etc/dropbear/dropbear_ed25519_host_key
    '';
    serviceConfig.Restart = "on-failure";
  };

  # The small service: busybox's HTTP server with the status page.
  systemd.services.board-status = {
    description = "Board status page on port ${toString statusPort}";
    wantedBy = [ "multi-user.target" ];
    after = [ "network.target" ];
    script = ''
      exec ${pkgs.busybox}/bin/busybox httpd -f -p ${toString statusPort} -h ${statusPage}
    '';
    serviceConfig.Restart = "on-failure";
  };

  # root's authorized keys for dropbear, written at every activation.
  system.activationScripts.authorizedKeys = lib.mkIf (authorizedKeys != [ ]) {
    deps = [ "users" ];
    text = ''
      mkdir -p /root/.ssh
      chmod 700 /root/.ssh
      cat > /root/.ssh/authorized_keys <<'KEYS'
      ${lib.concatStringsSep "\n" authorizedKeys}
      KEYS
    '';
  };
}
