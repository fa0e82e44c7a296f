#!/usr/bin/env bash
# Builds the local base image the Containerfile starts FROM: a minimal Debian made with
# debootstrap and imported into podman, since no container registry is reachable from here.
#
#   bash deploy/debian-base.sh            # -> localhost/debian-base:bookworm
#
# Needs root, debootstrap and podman (apt-get install debootstrap podman). The release is this
# machine's own (bookworm) unless MAILROOM_BASE_SUITE says otherwise; the mirror is Debian's
# (MAILROOM_BASE_MIRROR). An image that already exists is kept: pass --rebuild to make it again.
set -euo pipefail

suite="${MAILROOM_BASE_SUITE:-bookworm}"
mirror="${MAILROOM_BASE_MIRROR:-http://deb.debian.org/debian}"
image="localhost/debian-base:${suite}"

if [ "${1:-}" != "--rebuild" ] && podman image exists "$image"; then
  echo "$image exists (pass --rebuild to make it again)"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "debootstrap needs root" >&2; exit 1; }

work="$(mktemp -d /var/tmp/mailroom-debian-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/root"

# minbase: essential packages and apt only; the Containerfile installs the rest.
debootstrap --variant=minbase "$suite" "$root" "$mirror"

# The updates and security suites too, so `apt-get upgrade` in the Containerfile gets fixes.
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
SOURCES
# Keep images small: no recommends, no documentation, no package lists in the layer.
cat >"$root/etc/apt/apt.conf.d/90container" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
APT
cat >"$root/etc/dpkg/dpkg.cfg.d/90container" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
DPKG
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/usr/share/doc/*/changelog*
# The host's name and resolver belong to whoever runs the container.
: >"$root/etc/hostname"
rm -f "$root/etc/resolv.conf"

tar --numeric-owner -C "$root" -c . |
  podman import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' \
    --message "debootstrap --variant=minbase $suite" - "$image"
podman image inspect "$image" --format '{{.Id}} {{.Size}}'
echo "built $image"
