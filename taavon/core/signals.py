"""Signals of the lowest layer, which the apps above it answer without core knowing them."""

from django.dispatch import Signal

# Sent by ``taavon serve`` just before it serves; ``run_jobs``: whether this process should also
# run the background jobs (the embedded default). Receivers return a line to print, or None.
server_starting = Signal()
