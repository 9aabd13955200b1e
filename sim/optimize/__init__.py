"""Exact static facility-location models (set covering, maximal and expected covering, p-median,
p-center, capacitated assignment) solved as mixed-integer programs: see :mod:`.location`."""
