baseNameOf (toString [ ./a ])
