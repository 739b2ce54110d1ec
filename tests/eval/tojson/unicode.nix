builtins.toJSON "日本 ü 🙂"
