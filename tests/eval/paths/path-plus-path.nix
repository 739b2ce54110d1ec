baseNameOf (toString (./a + ./b))
