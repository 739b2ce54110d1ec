[ /foo/../bar /a/./b /. ]
