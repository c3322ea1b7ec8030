"""Scores of models and samples: bits/dim, the digits FID and its classifier, texture and VQ
statistics."""
