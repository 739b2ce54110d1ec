# A module with a misspelt option (networking.hostname for networking.hostName).
{ networking.hostname = "board"; }
