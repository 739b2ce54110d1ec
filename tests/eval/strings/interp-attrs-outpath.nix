"${{ outPath = "out"; }}"
