#!/usr/bin/env bash
# One command on a fresh Debian bookworm machine (root): install and start the local Keystone +
# Glance, install the npm dependencies and image build tools, build the package, and run the main job (the
# root Pulumi program: AmphoraImageBuild -> GlanceTaggedImage -> Octavia settings) against the local cloud.
#
#   bash scripts/up.sh            # up
#   bash scripts/up.sh preview    # what the next up would change, without changing anything
#   bash scripts/up.sh destroy    # remove what the main job made
#
# With the Pulumi CLI installed it runs `pulumi <command>` on a local state backend (.pulumi-state/); without
# it (as on CI machines) the same program runs through scripts/run-program.ts, which drives @pulumi/pulumi's own
# dynamic-provider host like the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:-up}
stack=${STACK:-dev}

# The package needs Node.js >= 22; Debian's is 20: the pinned Node.js 24 then comes from the npm registry.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  bash scripts/install-node.sh 24
  export PATH="$(bash scripts/install-node.sh --bin 24):$PATH"
fi

bash scripts/local-openstack.sh start
bash scripts/install-build-tools.sh
if [ ! -d node_modules/@pulumi/pulumi ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
node scripts/link-self.js >/dev/null

# The stack config names the cloud (openstack:cloud); its clouds.yaml is the local cloud's.
export OS_CLIENT_CONFIG_FILE="${OS_CLIENT_CONFIG_FILE:-$PWD/.local-openstack/clouds.yaml}"

if command -v pulumi >/dev/null 2>&1; then
  mkdir -p .pulumi-state
  export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
  pulumi stack select --create "$stack" >/dev/null
  # A stack the runner made before the CLI was installed moves into the CLI's backend once, with every resource
  # (otherwise the CLI would start empty and create everything a second time, orphaning the first).
  project=$(sed -n 's/^name:[[:space:]]*//p' Pulumi.yaml | head -1)
  runner_state=".pulumi-state/$project.$stack.json"
  if [ -f "$runner_state" ]; then
    exported=$(mktemp)
    npx ts-node --transpile-only scripts/run-program.ts export --stack "$stack" --file "$exported"
    pulumi stack import --file "$exported"
    rm -f "$exported"
    mv "$runner_state" "$runner_state.imported"
    echo "up.sh: moved the runner's state $runner_state into the CLI's backend (kept as $runner_state.imported)"
  fi
  case "$command" in
    up|destroy) exec pulumi "$command" --yes --skip-preview ;;
    *) exec pulumi "$command" ;;
  esac
fi
exec npx ts-node --transpile-only scripts/run-program.ts "$command" --stack "$stack"
