"""Fixtures shared by the unit tests (the network guard and figure folder are in ../conftest.py)."""
import pytest
import torch


@pytest.fixture(scope="module")
def one_thread():
    """The models are tiny: one thread is faster, and far faster on a shared, busy CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
