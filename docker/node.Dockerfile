# overlay-node on a .NET (ASP.NET Core) runtime image. The app is published on the host first,
# framework-dependent, so the build needs no SDK image and no network:
#   dotnet publish Overlay.Node -c Release -o artifacts/publish/overlay-node
#   docker build -f docker/node.Dockerfile -t overlay-node .
# (lab/docker-images.sh does both, on a locally built base image when no registry is reachable:
# --build-arg BASE_IMAGE=overlay-base:bookworm.) The build context is the repository root;
# .dockerignore lets only artifacts/publish/ and docker/ in.
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${BASE_IMAGE}

ARG VERSION=0.1.0
ARG SOURCE_URL=https://example.invalid/overlay
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="overlay-node" \
      org.opencontainers.image.description="Overlay node: gets a subnet lease and carries IPv4 packets between hosts over UDP (flannel udp backend); needs NET_ADMIN and /dev/net/tun" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="${LICENSES}"

COPY artifacts/publish/overlay-node/ /app/
COPY docker/healthcheck.sh /usr/local/bin/overlay-healthcheck
# subnet.env (--subnet-file, default /run/flannel/subnet.env) for a CNI plugin: mount
# /run/flannel to share it; the node creates the directory.
WORKDIR /var/lib/overlay
# 4054: Akka remoting (--cluster-port); 8285/udp: the data path (net-conf.json's Backend.Port, or --port); 8558: management HTTP.
EXPOSE 4054/tcp 8285/udp 8558/tcp

# Ready = cluster joined (and, on a node, lease held and TUN up). start-period covers joining.
HEALTHCHECK --interval=5s --timeout=5s --start-period=90s --retries=3 CMD ["/usr/local/bin/overlay-healthcheck"]
# Exec form: dotnet is PID 1 and gets SIGTERM from 'docker stop' (graceful cluster leave).
ENTRYPOINT ["dotnet", "/app/overlay-node.dll"]
