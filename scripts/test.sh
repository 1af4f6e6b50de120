#!/usr/bin/env bash
# Install kgbuild with its test dependencies, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -e '.[test]'
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
# Headless Chromium and its driver for tests/test_browser.py (Debian packages; no downloads at test time).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver
fi
# Virtuoso (the engine behind EUR-Lex CELLAR) for tests/test_federation.py and tests/test_publish.py.
if ! command -v virtuoso-t >/dev/null || ! command -v isql-vt >/dev/null; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends virtuoso-opensource
fi
# Comunica's command line (a JavaScript SPARQL client) for tests/test_http.py, from npm, pinned.
if [ ! -x .cache/comunica/node_modules/.bin/comunica-sparql ]; then
    if ! command -v npm >/dev/null; then
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
    fi
    npm install --prefix .cache/comunica --no-audit --no-fund --loglevel=error @comunica/query-sparql@4.5.0
fi
exec python3 -m pytest "$@"
