#!/usr/bin/env bash
# Install kgbuild with its test dependencies, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -e '.[test]'
exec python3 -m pytest "$@"
