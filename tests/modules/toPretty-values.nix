lib: with lib; {
  modules = [ ];
  result = _: map (generators.toPretty { }) [
    "" "a\n" "a\nb\n" "\n" "x\${y" "a\n\${b}" "a''b\nc" "q\"\\" "tab\there" "$dollar" 1 (-3) 0.5 true null [ ] { }
    [ [ ] 1 ] { a = { b = 1; }; "a b" = 2; "if" = 3; } (x: x) ({ a, b ? 1 }: a) { type = "derivation"; name = "drv"; }
  ];
}
