let s = { foo = 1; }; n = "foo"; in [ s.${n} s."${n}" s."foo" ]
