"""The SLA clocks (pure), the queue position (pure), the sweep that applies their plans,
and the `sweep`/`sla` commands.
"""
