#!/usr/bin/env bash
# Install kgbuild with its test dependencies, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -e '.[test]'
# Headless Chromium and its driver for tests/test_browser.py (Debian packages; no downloads at test time).
command -v chromium >/dev/null && command -v chromedriver >/dev/null \
    || (apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver)
exec python3 -m pytest "$@"
