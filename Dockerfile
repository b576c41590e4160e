# shoal's container image: `docker build -t shoal .`, or `build: .` in a compose file (README,
# "Running with Docker"). Stages:
#   runtime-base  slim Debian with only what shoal needs at run time, and all of the image's
#                 configuration (user, ports, environment, health check, entry point)
#   build         the compiler and the -dev packages; compiles shoal and strips it
#   runtime       runtime-base plus the two binaries from build: the image (the default target)
# runtime-base comes first so that `--target runtime-base` builds it without compiling anything:
# the test suite puts its already-built server on top of it the same way the last stage does.

FROM debian:bookworm-slim AS runtime-base
# The libraries build/shoal loads (see `ldd`), CA certificates for HTTPS webhooks, curl for the
# health check, and tini as PID 1: it hands SIGTERM to shoal (which drains and exits 0) and reaps
# the parent process of the epmd daemon shoal starts.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libavcodec59 libavformat59 libavutil57 libswscale6 libswresample4 \
      libprotobuf32 libspdlog1.10 libfmt9 libprometheus-cpp-core1.0 libssl3 \
      ca-certificates curl tini \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --user-group --create-home --home-dir /var/lib/shoal --shell /usr/sbin/nologin shoal
COPY docker/healthcheck.sh /usr/local/lib/shoal/healthcheck.sh
# A container is reached from outside its network namespace, so the API, metrics and TURN listen
# on every address. As in Jellyfish's image, the distribution port defaults to 9000 so that it can
# be published; EPMD (4369) is started by shoal when cluster mode is on. All are overridable.
ENV JF_IP=0.0.0.0 \
    JF_METRICS_IP=0.0.0.0 \
    JF_WEBRTC_TURN_LISTEN_IP=0.0.0.0 \
    JF_DIST_MIN_PORT=9000 \
    JF_DIST_MAX_PORT=9000
# API, metrics, EPMD, distribution (the TURN range is published by whoever sets it).
EXPOSE 8080 9568 4369 9000
USER shoal
# HLS output (JF_OUTPUT_BASE_PATH, relative by default) lands in the user's home.
WORKDIR /var/lib/shoal
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/lib/shoal/healthcheck.sh"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/shoal"]

FROM debian:bookworm-slim AS build
WORKDIR /src
# The same package list as a developer's machine (scripts/install-deps.sh without --test).
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# The dashboard is bundled from npm packages at build time; without access to the npm registry,
# build with --build-arg SHOAL_DASHBOARD=OFF (the image then refuses JF_DASHBOARD_ENABLED=true).
ARG SHOAL_DASHBOARD=ON
# The build type of scripts/build.sh (the one the tests run), stripped; tests and benchmarks off.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHOAL_WERROR=ON -DBUILD_TESTING=OFF \
      -DSHOAL_DASHBOARD="$SHOAL_DASHBOARD" \
 && cmake --build /build --target shoal -j"$(nproc)" \
 && mkdir /out \
 && strip -o /out/shoal /build/shoal \
 && cp "$(readlink -f /usr/bin/epmd)" /out/epmd

FROM runtime-base AS runtime
# epmd is one small binary (libc, libsystemd): taken from Erlang's package in the build stage
# rather than installing the whole Erlang runtime.
COPY --from=build /out/ /usr/local/bin/
