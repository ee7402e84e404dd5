#!/usr/bin/env bash
# Все тесты проекта на настоящем PostgreSQL с PostGIS: ./scripts/test.sh [аргументы cargo test]
# Если локальный PostgreSQL остановлен — запускает его; если нет PostGIS, plpgsql_check или шрифта DejaVu Sans (графики
# аналитики в тестах рисуются в PNG) и мы root с apt — ставит их.
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

extension_available() {
    [[ $(psql "$database_url" -Atqc "SELECT 1 FROM pg_available_extensions WHERE name = '$1'") == 1 ]]
}

# ensure_extension_available <extension> <Debian package without the postgresql-<major>- prefix>
ensure_extension_available() {
    local extension=$1 package_suffix=$2
    if ! command -v psql >/dev/null; then
        say "psql not found: assuming $extension is available"
        return
    fi
    extension_available "$extension" && return
    local major package
    major=$(psql "$database_url" -Atqc "SELECT current_setting('server_version_num')::integer / 10000")
    package="postgresql-$major-$package_suffix"
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        fail "PostgreSQL $major at $database_url has no $extension: install $package (as root: apt-get install $package)"
    fi
    say "$extension is not available: installing $package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$package" >/dev/null
    extension_available "$extension" || fail "$extension is still not available in PostgreSQL at $database_url after installing $package"
}

# Тесты аналитики рисуют графики SVG в PNG (resvg) шрифтом DejaVu Sans: кириллица должна быть в системных шрифтах.
ensure_chart_font() {
    [[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] && return
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        fail "no DejaVu Sans for the chart tests: install fonts-dejavu-core (as root: apt-get install fonts-dejavu-core)"
    fi
    say "DejaVu Sans is missing: installing fonts-dejavu-core"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends fonts-dejavu-core >/dev/null
}

ensure_postgres_running
ensure_chart_font
ensure_extension_available postgis postgis-3
ensure_extension_available plpgsql_check plpgsql-check
say "cargo test --locked $*"
exec cargo test --locked "$@"
