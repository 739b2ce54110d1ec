1 + # comment
