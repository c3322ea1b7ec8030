"""Test infrastructure: the network guard, nbval's numeric tolerance and the loopback course hub."""
