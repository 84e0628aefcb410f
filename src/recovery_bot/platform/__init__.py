"""The shell every feature shares: webhook server, journal, GitHub and PyPI clients, the
one applier, metrics. Imports no feature.
"""
