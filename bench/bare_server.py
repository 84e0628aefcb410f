"""The baseline for bench_server.py: an aiohttp handler that reads the body and answers
202, nothing else. Run: python bench/bare_server.py PORT"""

import sys

from aiohttp import web


async def handle(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"status": "queued"}, status=202)


app = web.Application(client_max_size=5 * 1024 * 1024)
app.router.add_post("/webhook", handle)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
