# PostgreSQL for the HA compose configuration (docker-compose.ha.yml): Debian's postgresql on
# the same base as the Overlay images. The local base (lab/docker-images.sh) already has the
# package, so the build needs no network; on any other Debian or Ubuntu base it is installed.
# Entrypoint and variables follow the official postgres image (POSTGRES_USER, _PASSWORD, _DB).
#   docker build -f docker/postgres.Dockerfile -t overlay-postgres .
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${BASE_IMAGE}

ARG VERSION=0.1.0
ARG SOURCE_URL=https://example.invalid/overlay
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="overlay-postgres" \
      org.opencontainers.image.description="Debian's PostgreSQL server for the Overlay lease registry (HA compose configuration)" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="${LICENSES}"

RUN if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then \
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
        && rm -rf /var/lib/apt/lists/*; \
    fi
COPY docker/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432/tcp

HEALTHCHECK --interval=3s --timeout=5s --start-period=30s --retries=5 CMD ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]
# Fast shutdown on 'docker stop' (SIGTERM would wait for every client to disconnect).
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]
