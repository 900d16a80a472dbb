"""The board's first meeting after its election: its officers and the managing director."""
