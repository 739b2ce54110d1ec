lib: with lib; {
  modules = [
    ./files/declare-basic.nix
    (mkAliasOptionModule [ "aliasCount" ] [ "count" ])
    (mkAliasOptionModule [ "old" "tags" ] [ "tags" ])
    { aliasCount = 12; old.tags = [ "via alias" ]; tags = [ "direct" ]; }
  ];
  result = e: { inherit (e.config) count tags aliasCount; oldTags = e.config.old.tags; };
}
