import pytest
import torch

from genzoo_lite import load_digits
from genzoo_lite.evaluation.metrics import edge_distance


def test_real_images_are_close_and_noise_and_blur_are_far():
    train, test = load_digits("train")[0], load_digits("test")[0]
    noise = torch.randint(0, 17, test.shape, generator=torch.Generator().manual_seed(0))
    blur = torch.nn.functional.avg_pool2d(test.float(), 3, 1, 1)
    real = edge_distance(test, train)
    assert real < 0.2
    assert edge_distance(noise, train) > 5 * real  # a sharpness number would rank noise first
    assert edge_distance(blur, train) > 5 * real


def test_identical_sets_score_zero_and_bad_shapes_are_named():
    x = load_digits("val")[0]
    assert edge_distance(x, x) == 0.0
    with pytest.raises(ValueError, match=r"images \(N, C, H, W\), got \(8, 8\)"):
        edge_distance(torch.zeros(8, 8), x)



@pytest.mark.parametrize("seed", range(4))
def test_auroc_equals_scikit_learn_ties_included(seed):
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from genzoo_lite.evaluation.metrics import auroc

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 300)
    scores = rng.integers(0, 20, 300) + labels * seed  # many ties; separated more with the seed
    assert abs(auroc(labels, scores) - roc_auc_score(labels, scores)) < 1e-12
    assert auroc(labels.astype(bool), -scores) == pytest.approx(1 - auroc(labels, scores))


def test_auroc_extremes_and_bad_input():
    from genzoo_lite.evaluation.metrics import auroc

    assert auroc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert auroc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]) == 0.0
    assert auroc([0, 1], [5.0, 5.0]) == 0.5
    with pytest.raises(ValueError, match="0 or 1.*2"):
        auroc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="both labels.*0 positives"):
        auroc([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="one length.*\\(3,\\).*\\(2,\\)"):
        auroc([0, 1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="finite"):
        auroc([0, 1], [0.1, float("nan")])
