import random

import numpy as np
import pytest
import torch

from genzoo_lite.core.utils import get_device, set_seed


def test_set_seed_repeats_all_three_generators():
    draws = []
    for _ in range(2):
        set_seed(123)
        draws.append((random.random(), np.random.rand(), torch.rand(1).item()))
    assert draws[0] == draws[1]
    set_seed(124)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) != draws[0]


def test_set_seed_rejects_non_integers():
    with pytest.raises(TypeError, match="got 1.5"):
        set_seed(1.5)
    with pytest.raises(ValueError, match="got -1"):
        set_seed(-1)


def test_get_device_is_usable():
    assert torch.zeros(2, device=get_device()).sum().item() == 0.0
