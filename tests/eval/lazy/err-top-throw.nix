throw "top"
