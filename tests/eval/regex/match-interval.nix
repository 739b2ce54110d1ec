map (s: builtins.match "[0-9]{2,4}" s) [ "1" "12" "1234" "12345" ]
