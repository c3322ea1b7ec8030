"""Energy-based models: the energy network, Langevin sampling and training with persistent
chains."""
