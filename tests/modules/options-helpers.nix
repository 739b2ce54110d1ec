lib: with lib; {
  modules = [
    { options.e = mkEnableOption "thing"; options.p = mkPackageOption { hello = { type = "derivation"; name = "hello"; outPath = "/nix/store/00000000000000000000000000000000-hello"; }; } "hello" { }; }
  ];
  result = e: {
    e = e.config.e;
    p = e.config.p.name;
    pDefaultText = e.options.p.defaultText;
    pDescription = e.options.p.description;
    eDescription = e.options.e.description;
    ex = e.options.e.example;
    lit = literalExpression "pkgs.foo";
    show = map showOption [ [ "a" "b c" "*" "<name>" "1abc" "a-b" "x.y" "" "true" ] ];
    files = showFiles [ "a" "b" ];
  };
}
