"""Vector-quantized models: the quantizer, VQ-VAE-2 and the Gated PixelCNN prior over its codes."""
