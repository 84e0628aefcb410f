"""The weekly digest: compute and render (pure), post it, and the `digest` command."""
