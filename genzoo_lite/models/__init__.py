"""One model per file: its module, its loss and its sampler, nothing else."""
