"""Explicit densities fitted in closed form: Gaussians, a mixture by EM, independent pixels."""
