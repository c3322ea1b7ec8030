"""The module paths of the previous release still import, for one release: each is an alias of
the module at its new path (the same module object, so a patch through either name is seen by
both), and the two old modules that became packages still export the names they had."""
from __future__ import annotations

import importlib

import pytest

#: old path -> new path, one line per moved module.
MOVED = {
    "genzoo_lite._checks": "genzoo_lite.core.checks",
    "genzoo_lite._memory": "genzoo_lite.core.memory",
    "genzoo_lite.checkpoints": "genzoo_lite.registry.checkpoints",
    "genzoo_lite.data": "genzoo_lite.core.data",
    "genzoo_lite.distributions": "genzoo_lite.core.distributions",
    "genzoo_lite.figure_alt": "genzoo_lite.views.figure_alt",
    "genzoo_lite.grade": "genzoo_lite.grading.runner",
    "genzoo_lite.grade_entry": "genzoo_lite.grading.entry",
    "genzoo_lite.grading_data": "genzoo_lite.grading.records",
    "genzoo_lite.grading_judge": "genzoo_lite.grading.judge",
    "genzoo_lite.langevin_view": "genzoo_lite.views.langevin",
    "genzoo_lite.latent_widgets": "genzoo_lite.views.latent",
    "genzoo_lite.likelihood_variants": "genzoo_lite.registry.variants",
    "genzoo_lite.losses": "genzoo_lite.core.losses",
    "genzoo_lite.metrics": "genzoo_lite.evaluation.metrics",
    "genzoo_lite.models.autoencoder": "genzoo_lite.models.latent.autoencoder",
    "genzoo_lite.models.digit_classifier": "genzoo_lite.evaluation.digit_classifier",
    "genzoo_lite.models.digits_gan": "genzoo_lite.models.adversarial.digits_gan",
    "genzoo_lite.models.ebm": "genzoo_lite.models.energy.ebm",
    "genzoo_lite.models.ebm_training": "genzoo_lite.models.energy.training",
    "genzoo_lite.models.efros_leung": "genzoo_lite.models.nonparametric.efros_leung",
    "genzoo_lite.models.efros_leung_fast": "genzoo_lite.models.nonparametric.efros_leung_fast",
    "genzoo_lite.models.ema": "genzoo_lite.core.ema",
    "genzoo_lite.models.gan": "genzoo_lite.models.adversarial.gan",
    "genzoo_lite.models.gated_pixelcnn": "genzoo_lite.models.autoregressive.gated_pixelcnn",
    "genzoo_lite.models.gaussian": "genzoo_lite.models.explicit.gaussian",
    "genzoo_lite.models.independent": "genzoo_lite.models.explicit.independent",
    "genzoo_lite.models.logistic_mixture": "genzoo_lite.models.autoregressive.logistic_mixture",
    "genzoo_lite.models.pixel_classifier": "genzoo_lite.models.autoregressive.pixel_classifier",
    "genzoo_lite.models.pixelcnn": "genzoo_lite.models.autoregressive.pixelcnn",
    "genzoo_lite.models.pixelcnn_ensemble": "genzoo_lite.models.autoregressive.ensemble",
    "genzoo_lite.models.pixelrnn": "genzoo_lite.models.autoregressive.pixelrnn",
    "genzoo_lite.models.quantizer": "genzoo_lite.models.quantized.quantizer",
    "genzoo_lite.models.vae": "genzoo_lite.models.latent.vae",
    "genzoo_lite.models.vaegan": "genzoo_lite.models.adversarial.vaegan",
    "genzoo_lite.models.vqgan": "genzoo_lite.models.adversarial.vqgan",
    "genzoo_lite.models.vqvae2": "genzoo_lite.models.quantized.vqvae2",
    "genzoo_lite.models.vqvae_prior": "genzoo_lite.models.quantized.vqvae_prior",
    "genzoo_lite.netguard": "genzoo_lite.testing.netguard",
    "genzoo_lite.pretrained": "genzoo_lite.registry.pretrained",
    "genzoo_lite.recipes": "genzoo_lite.registry.recipes",
    "genzoo_lite.sample_quality": "genzoo_lite.evaluation.sample_quality",
    "genzoo_lite.texture_stats": "genzoo_lite.evaluation.texture_stats",
    "genzoo_lite.timing": "genzoo_lite.core.timing",
    "genzoo_lite.tolerant_outputs": "genzoo_lite.testing.tolerant_outputs",
    "genzoo_lite.train": "genzoo_lite.core.train",
    "genzoo_lite.utils": "genzoo_lite.core.utils",
    "genzoo_lite.viz": "genzoo_lite.views.plots",
    "genzoo_lite.vq_bits": "genzoo_lite.evaluation.vq_bits",
    "genzoo_lite.widgets": "genzoo_lite.views.live",
}

#: Old modules that are now packages, and the names they exported then.
BECAME_PACKAGES = {
    "genzoo_lite.models.autoregressive": [
        "AutoregressiveModel", "EmbeddedCNN", "check_image_shape", "conditioning_bias",
        "conditioning_layers"],
    "genzoo_lite.grading": ["probe_function", "probe_namespace", "record_calls"],
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_is_the_new_module(old):
    new = importlib.import_module(MOVED[old])
    assert importlib.import_module(old) is new


def test_from_import_of_an_old_name_gives_the_new_objects():
    from genzoo_lite.models.latent.vae import VAE as NewVAE
    from genzoo_lite.models.vae import VAE
    from genzoo_lite.views.live import LiveFigure as NewLiveFigure
    from genzoo_lite.views.live import LiveView as NewLiveView
    from genzoo_lite.widgets import LiveFigure, LiveView
    assert (VAE, LiveFigure, LiveView) == (NewVAE, NewLiveFigure, NewLiveView)


@pytest.mark.parametrize("package", sorted(BECAME_PACKAGES))
def test_packages_keep_the_old_module_names(package):
    module = importlib.import_module(package)
    for name in BECAME_PACKAGES[package]:
        assert callable(getattr(module, name)), f"{package}.{name}"


def test_every_alias_file_is_listed():
    """A module moved later must be added to MOVED (and to the README's note) too."""
    from pathlib import Path

    import genzoo_lite
    root = Path(genzoo_lite.__file__).parent
    aliases = {".".join(("genzoo_lite", *p.relative_to(root).with_suffix("").parts))
               for p in root.rglob("*.py") if "sys.modules[__name__]" in p.read_text()}
    assert aliases == set(MOVED)
