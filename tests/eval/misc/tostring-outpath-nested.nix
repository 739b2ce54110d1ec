toString { outPath = { outPath = "nested"; }; }
