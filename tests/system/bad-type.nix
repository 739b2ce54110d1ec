# A module giving the wrong type to networking.hostName.
{ networking.hostName = 5; }
