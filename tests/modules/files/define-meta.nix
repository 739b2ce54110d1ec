{ lib, ... }: { c = lib.mkForce 7; a = 3; }
