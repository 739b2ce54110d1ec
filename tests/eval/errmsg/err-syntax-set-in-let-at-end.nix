let x = { }
