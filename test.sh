#!/usr/bin/env bash
# The tests, on a fresh machine: installs what they drive from Debian's packages if it is missing
# (Chromium for the browser tests, PostgreSQL and Redis for the scale-out tests; the tests start
# servers of their own on loopback ports, so nothing needs configuring), then runs every test project.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (Debian packages the tests need)..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

dotnet test B24CallListApp.sln "$@"
