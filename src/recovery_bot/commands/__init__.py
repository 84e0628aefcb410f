"""Slash-commands: find and run them (pure rules), their config section, and the router
that applies their plans.
"""
