map builtins.stringLength [ "" "abc" "héllo" "日本" ]
