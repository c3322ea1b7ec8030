"""Non-parametric sampling: Efros-Leung texture synthesis, the reference loop and the vectorized
one."""
