"""New and edited issues: read the form (pure), decide the labels and the one comment
(pure), and the router that applies it.
"""
