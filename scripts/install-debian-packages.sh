#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, if any is missing.
set -euo pipefail
# chromium: the real browser the browser tests drive through Playwright (its own download cannot work here).
packages=(chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
