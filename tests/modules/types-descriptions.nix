lib: with lib; {
  modules = [ ];
  result = _: map (t: t.description) (with types; [
    bool int ints.unsigned ints.positive ints.u8 ints.u16 ints.u32 ints.s8 ints.s16 ints.s32 port float number
    str nonEmptyStr singleLineStr lines commas envVar path package (enum [ "a" "b" ]) (enum [ "a" ]) (enum [ ])
    (enum [ 1 2 "x" ]) (listOf int) (attrsOf (listOf str)) (lazyAttrsOf int) (nullOr (either int str))
    (either (listOf int) str) (either str (listOf int)) (oneOf [ int str bool ]) (uniq int) (submodule { })
    deferredModule anything raw unspecified attrs (functionTo (attrsOf int)) (strMatching "a.*")
    (separatedString ";") (coercedTo int toString str) (ints.between 1 5) (nullOr (listOf int))
    (listOf (nullOr int)) (either (nullOr int) (attrsOf int)) boolByOr (numbers.between 1 2)
    numbers.nonnegative numbers.positive optionType (listOf (submodule { })) (attrsOf (enum [ "a" "b" ]))
    (listOf (either int str)) (nullOr (enum [ "x" "y" ])) (functionTo int) (listOf lines) (nullOr lines)
    (coercedTo str (x: [ x ]) (listOf str)) (passwdEntry str) (nonEmptyListOf int) (listOf (functionTo int))
    (submodule { freeformType = attrsOf str; })
  ]);
}
