#!/usr/bin/env bash
# The TypeScript client check (issue 17): install the pinned toolchain from package-lock.json,
# generate the types of operations/*.graphql from the committed SDL (../../schema/frontdesk.graphql),
# and compile the six flows with tsc --strict. Fails on any codegen or compile error.
#   clients/typescript/check.sh            # npm ci (offline from the npm cache when it can)
#   FRONTDESK_TSCLIENT_NO_INSTALL=1 ...    # reuse node_modules as they are (a dev loop)
set -euo pipefail
cd "$(dirname "$0")"
if [[ "${FRONTDESK_TSCLIENT_NO_INSTALL:-}" != 1 || ! -d node_modules ]]; then
  # The engine warnings of the codegen CLI's remote-schema loaders (node >= 22) do not concern
  # a file schema; errors still fail the install.
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
rm -rf src/generated
npx --no-install graphql-codegen --config codegen.ts --errors-only
npx --no-install tsc --noEmit -p tsconfig.json
echo "TypeScript client: codegen and tsc --strict passed ($(ls operations/*.graphql | wc -l) operation documents)."
