"""Latent-variable models of the digits: the VAE and the plain autoencoder it is compared with."""
