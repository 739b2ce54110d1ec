let cfg = { name = "svc"; ports = [ 80 443 ]; env = { A = "1"; }; enabled = true; ratio = 0.75; }; in builtins.fromJSON (builtins.toJSON cfg) == cfg
