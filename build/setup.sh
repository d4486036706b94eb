#!/usr/bin/env bash
# Sets up a checkout on a fresh Debian machine: Node 22, the npm dependencies and a build.
#   bash build/setup.sh               what running Gatehouse needs
#   bash build/setup.sh --test-deps   plus the real services the tests start (dockerd,
#                                     registry, Notary server, busybox for images made
#                                     without internet, openssl for throwaway CAs)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--test-deps" ]]; then
  packages=(docker.io docker-registry busybox-static notary openssl)
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
  bootstrap="${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/node22"
  if [[ ! -x "$bootstrap/node_modules/.bin/node" ]]; then
    echo "setup: installing Node 22 from the npm registry into $bootstrap"
    npm install --silent --no-audit --no-fund --prefix "$bootstrap" node@22 >/dev/null
  fi
  export PATH="$bootstrap/node_modules/.bin:$PATH"
  # That Node trusts only its bundled CAs; npm's own `cafile` (a TLS-inspecting proxy's CA,
  # say) must reach the Node processes too, or installs fail with SELF_SIGNED_CERT_IN_CHAIN.
  cafile=$(npm config get cafile 2>/dev/null || true)
  if [[ -z "${NODE_EXTRA_CA_CERTS:-}" && -n "$cafile" && "$cafile" != "null" && -f "$cafile" ]]; then
    export NODE_EXTRA_CA_CERTS="$cafile"
  fi
fi
echo "setup: node $(node --version), npm $(npm --version)"

npm ci --no-audit --no-fund
npm run build
