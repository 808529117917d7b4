"""pointline: vendor market-data files to point-in-time-correct Delta Lake tables."""
