# Dockerfile - the dockward image: the agent (default) and the store, built
# from the Debian package, so the runtime stage holds exactly what the
# package's Depends (dpkg-shlibdeps) name. README's quick start has the
# `docker run` line (docs/install.md "Container image"); compose.yaml runs agent and store on one host.
#   docker build -t dockward:0.1.0 .
# BASE_IMAGE: any Debian 12 image (the suite imports a debootstrap root).
ARG BASE_IMAGE=debian:bookworm-slim

# Build stage: compilers and -dev packages (install-deps.sh --package), the .deb.
FROM ${BASE_IMAGE} AS build
COPY packaging/install-deps.sh /src/packaging/install-deps.sh
RUN bash /src/packaging/install-deps.sh --package && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN bash /src/packaging/build-deb.sh /

# Runtime stage: the package and its Depends, nothing else.
FROM ${BASE_IMAGE}
# Fixed ids (system range, so the package's postinst keeps them): files
# mounted from the host (tokens) can be made readable by group 310 / 311.
RUN groupadd --system --gid 310 dockward && \
    useradd --system --uid 310 --gid dockward --no-create-home --home-dir /var/lib/dockward \
        --shell /usr/sbin/nologin dockward && \
    groupadd --system --gid 311 dockward-store && \
    useradd --system --uid 311 --gid dockward-store --no-create-home \
        --home-dir /var/lib/dockward-store --shell /usr/sbin/nologin dockward-store
COPY --from=build /dockward_*.deb /tmp/
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/dockward_*.deb && \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /tmp/dockward_*.deb
# The agent, unprivileged: the socket is reached through its group
# (docker run --group-add), the host's files through /host (read-only).
USER dockward
EXPOSE 10310 10311
# The host's root is mounted at /host (-v /:/host:ro,rslave); arguments of
# `docker run` are added after this one.
ENTRYPOINT ["/usr/bin/dockward", "--path.rootfs=/host"]
