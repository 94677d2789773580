"""Runnable ember examples: ``python -m ember.examples.<name>``."""
