let s = builtins.listToAttrs (builtins.genList (i: { name = toString i; value = i; }) 100000); in [ (builtins.length (builtins.attrNames s)) s."99999" s."0" ]
