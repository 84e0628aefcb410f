"""The bot's real webhook app with its workers off, for bench_server.py: isolates what
acknowledging costs (signature, JSON, journal commit, metrics) from the triage work that
normally shares the process. Run: python bench/ack_server.py PORT DB GITHUB_URL PYPI_URL"""

import logging
import sys

from aiohttp import web

from recovery_bot.app import create_app, parse_config
from recovery_bot.platform.github import TokenAuth
from recovery_bot.platform.server import Settings, tune_gc

port, db, github_url, pypi_url = sys.argv[1:5]
logging.basicConfig(level=logging.INFO)
config = parse_config({"repositories": ["pypi/support"]}, "bench")
settings = Settings(
    webhook_secret="bench-secret",
    github_api_url=github_url,
    pypi_url=pypi_url,
    db_path=db,
    auth=TokenAuth("bench"),
)
app = create_app(config, settings, start_workers=False, run_jobs=False)
tune_gc()  # as `recovery-bot serve` does
web.run_app(app, host="127.0.0.1", port=int(port), print=None, access_log=None)
