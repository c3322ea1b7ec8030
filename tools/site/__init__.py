"""The site's browser checks: ``python -m tools.site.axe_check`` from the repository root."""
