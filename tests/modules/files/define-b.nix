{ lib, ... }: { count = lib.mkForce 3; tags = [ "b" ]; settings.y = 2; }
