import math

import pytest
import torch

from genzoo_lite.models.gan import Discriminator, Generator, gan_losses, train_gan


class ConstantD(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(len(x)) + 0.0 * x.sum(1)


def test_losses_at_an_undecided_discriminator():
    torch.manual_seed(0)
    d_loss, g_loss = gan_losses(Generator(), ConstantD(), torch.randn(16, 2), torch.randn(16, 2))
    # D = 1/2 everywhere: -log(1/2) - log(1/2) for D, -log(1/2) for G
    assert d_loss.item() == pytest.approx(2 * math.log(2))
    assert g_loss.item() == pytest.approx(math.log(2))


def test_generator_moves_its_samples_onto_the_data():
    torch.manual_seed(0)
    data = torch.randn(2000, 2) * 0.1 + torch.tensor([1.5, -1.0])
    generator, discriminator = Generator(hidden=32), Discriminator(hidden=32)
    gen = torch.Generator().manual_seed(1)
    before = (generator.sample(500, gen).mean(0) - data.mean(0)).norm()
    train_gan(generator, discriminator, data, steps=300, batch_size=128, progress=False)
    after = (generator.sample(500, gen).mean(0) - data.mean(0)).norm()
    assert after < 0.3 < before


def test_bad_data_is_named():
    with pytest.raises(ValueError, match=r"\(N, 2\), got \(10, 3\)"):
        train_gan(Generator(), Discriminator(), torch.zeros(10, 3), steps=1)
    with pytest.raises(ValueError, match="positive int, got 0"):
        train_gan(Generator(), Discriminator(), torch.zeros(10, 2), steps=0)
