lib: with lib; {
  modules = [
    { options = { s = mkOption { type = types.lines; }; c = mkOption { type = types.commas; }; e = mkOption { type = types.envVar; }; sep = mkOption { type = types.separatedString " | "; }; }; }
    { s = "first"; c = "a"; e = "/bin"; sep = "x"; }
    { s = mkBefore "before"; c = "b"; e = mkAfter "/usr/bin"; sep = "y"; }
    { s = mkAfter "after"; c = mkForce "forced"; e = "/sbin"; sep = mkBefore "z"; }
  ];
}
