"""recovery-bot: a GitHub App that triages PyPI account-recovery requests on pypi/support."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/pypi/support"
USER_AGENT = f"recovery-bot/{__version__} (+{PROJECT_URL})"
