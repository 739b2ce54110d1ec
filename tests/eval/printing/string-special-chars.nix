[ "a\"b" "back\\slash" "dollar $ sign" "${"$"}{" "new\nline" "tab\t" "cr\r" ]
