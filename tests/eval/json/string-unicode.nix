"héllo 日本 🙂"
