# syntax=docker/dockerfile:1

# Сборка: тот же Cargo.toml / Cargo.lock, что и у тестов; миграции и файлы sql/ встраиваются в бинарник (build.rs).
FROM rust:1-bookworm AS builder
WORKDIR /app

# Слой зависимостей пересобирается только при изменении Cargo.toml или Cargo.lock.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked --bin nedvizhimost \
    && rm -rf src

COPY build.rs ./
COPY migrations ./migrations
COPY sql ./sql
COPY src ./src
# touch: исходники из контекста могут оказаться «старше» заглушек, и cargo не пересобрал бы крейт.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin nedvizhimost

# Запуск: минимальный Debian, curl для healthcheck, непривилегированный пользователь.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin nedvizhimost
COPY --from=builder /app/target/release/nedvizhimost /usr/local/bin/nedvizhimost
USER nedvizhimost
ENV PORT=8080 NO_COLOR=1
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=5 \
    CMD curl -fsS "http://localhost:${PORT}/health" || exit 1
ENTRYPOINT ["nedvizhimost"]
CMD ["serve"]
