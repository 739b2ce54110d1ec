# The modules every system configuration has.
[
  ./misc/assertions.nix
  ./misc/nixpkgs.nix
  ./misc/version.nix
  ./misc/deployment.nix
  ./config/networking.nix
  ./config/system-path.nix
  ./config/users-groups.nix
  ./system/etc.nix
  ./system/systemd.nix
  ./system/activation.nix
  ./system/top-level.nix
]
