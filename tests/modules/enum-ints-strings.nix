lib: with lib; {
  modules = [
    { options = {
        e = mkOption { type = types.enum [ "a" "b" ]; };
        p = mkOption { type = types.port; };
        b = mkOption { type = types.ints.between 1 10; };
        u = mkOption { type = types.ints.unsigned; };
        s8 = mkOption { type = types.ints.s8; };
        sm = mkOption { type = types.strMatching "[a-z]+"; };
        ne = mkOption { type = types.nonEmptyStr; };
        sl = mkOption { type = types.singleLineStr; };
        fl = mkOption { type = types.float; };
        num = mkOption { type = types.listOf types.number; };
        bo = mkOption { type = types.boolByOr; };
        pa = mkOption { type = types.path; };
      }; }
    { e = "b"; p = 8080; b = 10; u = 0; s8 = -128; sm = "abc"; ne = "x"; sl = "line\n"; fl = 1.5; num = [ 1 2.5 ]; bo = false; pa = "/etc/hosts"; }
    { e = "b"; bo = true; }
  ];
}
