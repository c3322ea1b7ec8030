"""The shipped models: their recipes (the one place a setting is written), the measured variants,
and the weights on disk with their manifest."""
