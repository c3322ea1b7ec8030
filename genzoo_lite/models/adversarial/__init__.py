"""Models trained against a discriminator: the 2-D GAN, the digits GAN, VAE/GAN and VQGAN fine-
tuning."""
