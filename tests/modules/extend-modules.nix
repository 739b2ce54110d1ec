lib: with lib; {
  modules = [ ./files/declare-basic.nix { count = 2; } ];
  result = e:
    let e2 = e.extendModules { modules = [ { tags = [ "extended" ]; count = mkForce 3; } ]; }; in
    { before = e.config; after = e2.config; typeName = e.type.name; cls = e.class; };
}
