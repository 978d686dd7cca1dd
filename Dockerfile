# syntax=docker/dockerfile:1
# adaptmt: the HTTP API (`adaptmt serve`) and the `adaptmt` command, runtime only.
#   docker build -t adaptmt .
#   docker run --rm -e ADAPTMT_DATABASE_URL=postgresql://... adaptmt db upgrade   # any command
#   docker run -p 8080:8080 -e ADAPTMT_DATABASE_URL=postgresql://... \
#       -e ADAPTMT_LLM_URL=http://vllm:8000/v1 adaptmt                            # serve
# `serve` binds 0.0.0.0 here, which it refuses while the database has no API key
# (`adaptmt keys create --tenant NAME`) unless ADAPTMT_INSECURE_NO_AUTH=true.
# Configuration is the ADAPTMT_* environment (README, "Configuration"). The install step is
# scripts/install.sh, the one the README and CI run (tests/deploy/test_dockerfile.py checks it).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# -- build: a virtual environment in /opt/adaptmt with adaptmt installed (not linked) -------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# a compiler for any dependency without a wheel for this platform; left behind in this stage
RUN apt-get update \
    && apt-get install --yes --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY scripts/install.sh scripts/install.sh
COPY tm tm
COPY service service
COPY eval eval
RUN EDITABLE=0 EXTRAS= VENV=/opt/adaptmt scripts/install.sh

# -- runtime: the virtual environment alone, run by an unprivileged user -------------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG UID=10001
RUN groupadd --system --gid ${UID} adaptmt \
    && useradd --system --uid ${UID} --gid adaptmt --home-dir /var/lib/adaptmt --create-home \
       --shell /usr/sbin/nologin adaptmt
COPY --from=build /opt/adaptmt /opt/adaptmt
ENV PATH=/opt/adaptmt/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/var/lib/adaptmt \
    ADAPTMT_HOST=0.0.0.0 \
    ADAPTMT_PORT=8080 \
    ADAPTMT_LOG_FORMAT=json \
    ADAPTMT_DATABASE_URL=sqlite:////var/lib/adaptmt/adaptmt.sqlite3
WORKDIR /var/lib/adaptmt
VOLUME ["/var/lib/adaptmt"]
USER ${UID}:${UID}
EXPOSE 8080
# liveness only (the process answers); /readyz, which also needs the database and the LLM,
# is for load balancers and Kubernetes readiness
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ADAPTMT_PORT', '8080'), timeout=4)"]
ENTRYPOINT ["adaptmt"]
CMD ["serve"]
