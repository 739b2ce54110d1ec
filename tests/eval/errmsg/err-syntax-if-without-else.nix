if true then 2
