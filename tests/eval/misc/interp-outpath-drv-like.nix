"${{ outPath = "/some/path"; type = "derivation"; }}"
