"""What the notebooks show: plots, figures with alt text, and the live slider views."""
