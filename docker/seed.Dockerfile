# overlay-seed on a .NET (ASP.NET Core) runtime image. The app is published on the host first,
# framework-dependent, so the build needs no SDK image and no network:
#   dotnet publish Overlay.Seed -c Release -o artifacts/publish/overlay-seed
#   docker build -f docker/seed.Dockerfile -t overlay-seed .
# (lab/docker-images.sh does both, on a locally built base image when no registry is reachable:
# --build-arg BASE_IMAGE=overlay-base:bookworm.) The build context is the repository root;
# .dockerignore lets only artifacts/publish/ and docker/ in.
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${BASE_IMAGE}

ARG VERSION=0.1.0
ARG SOURCE_URL=https://example.invalid/overlay
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="overlay-seed" \
      org.opencontainers.image.description="Overlay seed: the cluster's fixed entry point and the host of the subnet lease registry (Akka.NET cluster singleton)" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="${LICENSES}"

COPY artifacts/publish/overlay-seed/ /app/
COPY docker/healthcheck.sh /usr/local/bin/overlay-healthcheck
COPY docker/credentials.sh /usr/local/bin/overlay-credentials
# The seed needs no privilege at all: it runs as the unprivileged user overlay (uid 10001), which
# owns /var/lib/overlay. The SQLite registry (default storage) lives in /var/lib/overlay/data:
# mount a volume there (a new named volume takes this directory's owner).
RUN (id overlay >/dev/null 2>&1 || useradd --system --uid 10001 --user-group --home-dir /var/lib/overlay --no-create-home --shell /usr/sbin/nologin overlay) \
    && mkdir -p /var/lib/overlay/data \
    && chown -R overlay:overlay /var/lib/overlay
WORKDIR /var/lib/overlay
USER 10001
# 4053: Akka remoting (--cluster-port); 8558: management HTTP (--management-port).
EXPOSE 4053/tcp 8558/tcp

# Ready = cluster joined (and, on a node, lease held and TUN up). start-period covers joining.
HEALTHCHECK --interval=5s --timeout=5s --start-period=90s --retries=3 CMD ["/usr/local/bin/overlay-healthcheck"]
# Exec form: dotnet is PID 1 and gets SIGTERM from 'docker stop' (graceful cluster leave).
ENTRYPOINT ["dotnet", "/app/overlay-seed.dll"]
