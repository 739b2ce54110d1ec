let s = { }; in s.${"q"}
