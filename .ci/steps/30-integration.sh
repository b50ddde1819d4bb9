#!/usr/bin/env bash
# Integration tests against the real frameworks (integration/, its own package.json and lockfile,
# kept out of the library's dependency tree): a uni-app (Vue 3) project built by the uni CLI for
# mp-weixin, Taro's weapp runtime, miniprogram-ci's packNpm; then the TypeScript consumer case
# that needs @tarojs/taro. The registry is used by `npm ci` only; the tests run with every
# connection but 127.0.0.1 refused (integration/lib/block-network.js). Needs `npm test` (the build) first.
set -euo pipefail
cd "$(dirname "$0")/../.."

started=$(date +%s)
(cd integration && npm ci --no-audit --no-fund --loglevel=error)
echo "integration: npm ci took $(( $(date +%s) - started )) s ($(du -sm integration/node_modules | cut -f1) MB)"

started=$(date +%s)
(cd integration && npm test)
echo "integration: tests took $(( $(date +%s) - started )) s"

# The Taro case of the type matrix (the others run in npm test); fails, not skips, when missing.
REQUIRE_TYPES=1 node test/types/run.js taro
