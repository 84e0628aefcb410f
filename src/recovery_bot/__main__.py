"""Allow ``python -m recovery_bot`` as an alias of the ``recovery-bot`` console script."""

from recovery_bot.cli import main

raise SystemExit(main())
