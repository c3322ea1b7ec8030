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


def test_assert_close_agrees_with_torch_testing():
    import pytest
    import torch

    from genzoo_lite import assert_close

    rng = torch.Generator().manual_seed(0)
    base64 = torch.rand(50, dtype=torch.float64, generator=rng)
    base32 = base64.float()
    cases = [(base64, base64 + 5e-8), (base64, base64 + 1e-6), (base32, base32 + 5e-6),
             (base32, base32 * (1 + 1e-5)), (torch.arange(4), torch.arange(4)),
             (torch.arange(4), torch.tensor([0, 1, 2, 4])), (base64, base32),
             (base64[:3], base64[:4]), (torch.tensor([float("nan")]), torch.tensor([float("nan")])),
             ({"w": base32, "b": base32[:2]}, {"w": base32, "b": base32[:2] + 1})]
    for actual, expected in cases:
        try:
            torch.testing.assert_close(actual, expected)
            verdict = True
        except AssertionError:
            verdict = False
        if verdict:
            assert_close(actual, expected)
        else:
            with pytest.raises(AssertionError):
                assert_close(actual, expected)
    message = r"\['b'\].*1 of 2 values differ.*largest difference is 1"
    with pytest.raises(AssertionError, match=message):
        assert_close({"b": torch.tensor([0.0, 1.0])}, {"b": torch.tensor([0.0, 2.0])})
    assert_close(base64, base64 + 1e-3, atol=1e-2)  # tolerances as given
