[ (builtins.hasAttr "x" { x = 5; }) (builtins.hasAttr "y" { x = 5; }) ]
