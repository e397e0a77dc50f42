# The production image: `hailong serve` behind the proxy of docker-compose.yml.
# No secret is baked in: HAILONG_SECRET_KEY and the database password come from the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system hailong \
    && useradd --system --gid hailong --home-dir /srv/hailong --create-home \
       --shell /usr/sbin/nologin hailong

WORKDIR /srv/hailong
# Only what the package needs (see .dockerignore); a plain, non-editable install.
COPY pyproject.toml README.md ./
COPY hailong ./hailong
COPY survey_flows ./survey_flows
COPY bot ./bot
COPY webhook ./webhook
COPY qr ./qr
COPY migrations ./migrations
RUN pip install . && rm -rf build *.egg-info

USER hailong
ENV HAILONG_ENVIRONMENT=production
EXPOSE 8000

# 200 only when the database answers (urlopen raises on 503, so the check fails).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# X-Forwarded-* headers are believed only from HAILONG_TRUSTED_PROXIES (docker-compose.yml sets
# the proxy's fixed address); from anyone else they could name any client address.
CMD ["hailong", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
