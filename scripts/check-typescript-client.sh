#!/usr/bin/env bash
# Проверка для фронтенда: типы TypeScript, сгенерированные openapi-typescript из документа OpenAPI (/openapi.json),
# компилируют небольшого потребителя (поиск, карточка ЖК, брони, сужение объектов карты, ошибки) в tsc --strict.
# ./scripts/check-typescript-client.sh; нужны Node.js 20 и npm (версии пакетов — из package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

check=clients/typescript-check
say() { printf '==> %s\n' "$*"; }

mkdir -p "$check/generated"
say "nedvizhimost openapi > $check/generated/openapi.json"
cargo run --quiet --locked --bin nedvizhimost -- openapi >"$check/generated/openapi.json"

cd "$check"
if ! npm ls --silent >/dev/null 2>&1; then
    say "npm ci"
    npm ci --no-audit --no-fund
fi
say "openapi-typescript generated/openapi.json"
npx --no-install openapi-typescript generated/openapi.json --output generated/api.d.ts
say "tsc --strict"
npx --no-install tsc --project tsconfig.json
