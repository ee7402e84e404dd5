#!/usr/bin/env bash
# Все тесты проекта на настоящем PostgreSQL с PostGIS: ./scripts/test.sh [аргументы cargo test]
# Если локальный PostgreSQL остановлен — запускает его; если нет PostGIS и мы root с apt — ставит его.
# Сервер берётся из TEST_DATABASE_URL (по умолчанию postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

database_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}

say() { printf '==> %s\n' "$*"; }
fail() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

postgres_accepts_connections() { pg_isready -q -d "$database_url"; }

ensure_postgres_running() {
    if ! command -v pg_isready >/dev/null; then
        say "pg_isready not found: assuming PostgreSQL at $database_url is running"
        return
    fi
    postgres_accepts_connections && return
    if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
        local version
        version=$(ls /etc/postgresql | head -1)
        say "PostgreSQL is not accepting connections: starting cluster $version/main"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        for _ in $(seq 1 30); do
            postgres_accepts_connections && return
            sleep 1
        done
    fi
    fail "PostgreSQL at $database_url is not accepting connections; start it or set TEST_DATABASE_URL"
}

postgis_available() {
    [[ $(psql "$database_url" -Atqc "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'") == 1 ]]
}

ensure_postgis_available() {
    if ! command -v psql >/dev/null; then
        say "psql not found: assuming PostGIS is available"
        return
    fi
    postgis_available && return
    local major package
    major=$(psql "$database_url" -Atqc "SELECT current_setting('server_version_num')::integer / 10000")
    package="postgresql-$major-postgis-3"
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        fail "PostgreSQL $major at $database_url has no PostGIS: install $package (as root: apt-get install $package)"
    fi
    say "PostGIS is not available: installing $package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$package" >/dev/null
    postgis_available || fail "PostGIS is still not available in PostgreSQL at $database_url after installing $package"
}

ensure_postgres_running
ensure_postgis_available
say "cargo test --locked $*"
exec cargo test --locked "$@"
