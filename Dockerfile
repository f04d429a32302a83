# lambda-posture container image (README "Install"). Built where a container engine exists:
#   docker build -t lambda-posture .
#   docker run --rm -e AWS_PROFILE -v ~/.aws:/home/scanner/.aws:ro lambda-posture scan --format json
# tests/install_files.rs checks that the paths copied here exist and that the binary name matches Cargo.toml.

# Builder: the locked dependency set, release profile (strip, size-optimised SDK clients: Cargo.toml).
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY checks ./checks
COPY codescan ./codescan
COPY src ./src
COPY benches ./benches
RUN cargo build --release --locked --bin lambda-posture

# Runtime: a small base with CA certificates (rustls reads the system roots for AWS endpoints), a non-root user.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 scanner
COPY --from=builder /src/target/release/lambda-posture /usr/local/bin/lambda-posture
USER scanner
WORKDIR /home/scanner
ENTRYPOINT ["lambda-posture"]
CMD ["--help"]
