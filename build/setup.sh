#!/usr/bin/env bash
# Sets up a checkout on a fresh Debian machine: Node 22, the npm dependencies and a build.
#   bash build/setup.sh               what running Gatehouse needs
#   bash build/setup.sh --test-deps   plus the real services the tests start (dockerd,
#                                     registry, Notary server, busybox for images made
#                                     without internet, openssl for throwaway CAs, Chromium
#                                     for the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--test-deps" ]]; then
  packages=(docker.io docker-registry busybox-static notary openssl chromium podman)
  missing=()
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# npm resolves and runs install scripts with the Node that runs it; the machine's may be 20.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 22)); then
  # Asked of the machine's npm first: its global npmrc (under its own prefix) may name a CA
  # file, e.g. a TLS-inspecting proxy's, that an npm run by another Node would not read.
  cafile=$(npm config get cafile 2>/dev/null || true)
  bootstrap="${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/node22"
  if [[ ! -x "$bootstrap/node_modules/.bin/node" ]]; then
    echo "setup: installing Node 22 from the npm registry into $bootstrap"
    npm install --silent --no-audit --no-fund --prefix "$bootstrap" node@22 >/dev/null
  fi
  export PATH="$bootstrap/node_modules/.bin:$PATH"
  if [[ -n "$cafile" && "$cafile" != "null" && -f "$cafile" ]]; then
    export npm_config_cafile="$cafile"
    # Node itself trusts only its bundled CAs; the tests' and the app's HTTPS need this too.
    export NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-$cafile}"
  fi
fi
echo "setup: node $(node --version), npm $(npm --version)"

npm ci --no-audit --no-fund
npm run build
