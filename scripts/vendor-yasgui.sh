#!/usr/bin/env bash
# Reproduce kgbuild/static/yasgui/ from the pinned npm release of YASGUI (@triply/yasgui), the
# SPARQL query editor of the query page. The built files are committed, so installing kgbuild
# needs no npm and the page works offline; run this only to check or to upgrade them (then
# change VERSION, INTEGRITY and the SHA256SUMS file together).
#
#   scripts/vendor-yasgui.sh          # fetch, check the tarball and every file, copy them in
#   scripts/vendor-yasgui.sh --check  # only check the committed files against SHA256SUMS
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.2.28
INTEGRITY="sha512-HN1neZqERSGoDyk/Fg40nI+F0tHnaBxjqizhN0mur2Kj0oJsklBsFMRk/M+wW+ohy8dSEn7AgX3H0pPrV/wmVg=="
DEST=kgbuild/static/yasgui

if [ "${1:-}" = "--check" ]; then
    (cd "$DEST" && sha256sum --quiet -c SHA256SUMS) && echo "vendor-yasgui: $DEST matches SHA256SUMS"
    exit
fi
command -v npm >/dev/null || { echo "vendor-yasgui: npm is needed (apt-get install npm)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@triply/yasgui@$VERSION" >/dev/null)
tarball="$tmp/triply-yasgui-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
    echo "vendor-yasgui: @triply/yasgui@$VERSION tarball has integrity $got, expected $INTEGRITY" >&2
    exit 1
fi
tar -xzf "$tarball" -C "$tmp"
mkdir -p "$DEST"
cp "$tmp/package/build/yasgui.min.js" "$tmp/package/build/yasgui.min.css" \
   "$tmp/package/build/yasgui.min.js.LICENSE.txt" "$DEST/"
cp "$tmp/package/LICENSE.txt" "$DEST/LICENSE"
(cd "$DEST" && sha256sum --quiet -c SHA256SUMS)
echo "vendor-yasgui: @triply/yasgui@$VERSION -> $DEST (checksums match)"
