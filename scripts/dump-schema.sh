#!/usr/bin/env bash
# Пересобирает schema.sql — дамп схемы свежей базы после migrate (миграции + sql/): ./scripts/dump-schema.sh
# Сервер берётся из TEST_DATABASE_URL (по умолчанию postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

server_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
scratch="nedv_schema_dump_$$"
scratch_url="${server_url%/*}/$scratch"

psql "$server_url" -qc "CREATE DATABASE $scratch"
trap 'psql "$server_url" -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)"' EXIT
RUST_LOG=warn DATABASE_URL="$scratch_url" cargo run --quiet --locked -- migrate >/dev/null
pg_dump --schema-only --no-owner --no-privileges "$scratch_url" | ./scripts/normalize-schema-dump.sh >schema.sql
echo "schema.sql обновлён"
