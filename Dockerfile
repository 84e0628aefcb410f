# recovery-bot: the webhook server (`recovery-bot serve`) in a container.
# Build:  docker build -t recovery-bot .
# Run:    README, "Deploy" > "Container" (every variable and the volume are listed there).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && rm -rf /src

# The production app.yaml as the default; mount your own over it.
COPY app.yaml /etc/recovery-bot/app.yaml

# A non-root user owning only the journal's volume.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin recovery-bot \
    && mkdir -p /data && chown recovery-bot:recovery-bot /data

ENV RECOVERY_BOT_DB=/data/recovery-bot.sqlite3 \
    RECOVERY_BOT_CONFIG=/etc/recovery-bot/app.yaml \
    HOST=0.0.0.0 \
    PORT=8080
VOLUME ["/data"]
WORKDIR /data
USER recovery-bot
EXPOSE 8080

# python, not curl: the slim image has no curl. Fails when /healthz does not answer 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)"

# SIGTERM: requests in flight finish (15 s); unfinished work resumes from the journal.
STOPSIGNAL SIGTERM
ENTRYPOINT ["recovery-bot"]
CMD ["serve"]
