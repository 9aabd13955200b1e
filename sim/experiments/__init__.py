"""Experiments over many replications: reserve sizing (batches and sweeps come next)."""
