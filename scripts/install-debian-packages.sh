#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, if any is missing.
set -euo pipefail
# chromium: the real browser the browser tests drive through Playwright (its own download cannot work here).
# dovecot-imapd, dovecot-pop3d: the real IMAP and POP3 servers the mailbox sources are tested
# against (started by the tests on loopback).
packages=(chromium dovecot-imapd dovecot-pop3d)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The tests run dovecot's login and auth processes as this unprivileged user (dovecot refuses root).
if ! id mailroom-imap >/dev/null 2>&1; then
  $sudo useradd --system --no-create-home --shell /usr/sbin/nologin mailroom-imap
fi
