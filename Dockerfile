# Clio: one image, one service per adapter (see docker-compose.yml). The content pack is in the image; the
# database and the group's readings live on the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CLIO_DB=/data/clio.db \
    CLIO_LOG_LEVEL=INFO

WORKDIR /app
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY content ./content
# a C compiler for the install only (linking's word scan, bot/ingest/_words.c), removed in the same layer
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install '.[discord,slack,postgres]' \
    && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data --uid 10001 clio \
    && mkdir -p /data/readings && chown -R clio /data
ENV CLIO_CONTENT=/app/content

USER clio
VOLUME ["/data"]
# the pack is indexed at build time of the database, not of the image: the first start indexes it
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["clio", "health"]
ENTRYPOINT ["clio"]
CMD ["--help"]
