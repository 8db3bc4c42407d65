# Stride's image: the `stride` command on Python 3.11, with the PostgreSQL driver.
# Built by compose.yaml (see the README's "Running with Docker Compose").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY state_machines ./state_machines
COPY content ./content
RUN pip install ".[postgres]" \
    && useradd --system --uid 10001 --home-dir /app stride

# Never root at run time; the working directory is only read.
USER stride
# 8443: the webhook server; 9000: /healthz and /metrics (METRICS_PORT).
EXPOSE 8443 9000
# python-telegram-bot stops on SIGTERM: updates in flight are finished, then the workers stop.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('METRICS_PORT', '9000') + '/healthz', timeout=4)"]
ENTRYPOINT ["stride"]
CMD ["run"]
