#!/usr/bin/env bash
# The package as published: every entry resolves, with the right types, under TypeScript's node10,
# node16 (CJS and ESM) and bundler resolution (@arethetypeswrong/cli --pack), and publint --strict
# finds no problem. Both pack the package (prepack builds it).
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run lint:package
