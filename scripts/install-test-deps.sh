#!/usr/bin/env bash
# Installs the Debian packages the integration tests drive (real Postfix, libmilter's miltertest, redis-server,
# clamd and sigtool for the ClamAV tests, spamd for the SpamAssassin tests).
set -euo pipefail

# Installing postfix would remove another MTA of the host: refuse before installing anything.
bash "$(dirname "$0")/check-mta-conflict.sh"

# ---- Sendmail (test/integration/support/sendmail.ts, scripts/try-it.sh) ----
# sendmail-bin conflicts with postfix as an installed package, so its files are unpacked into a
# cache directory instead (apt-get download + dpkg-deb -x), never installed. Only what the
# unpacked binary links against and m4 (to build sendmail.cf) are installed: none conflicts.
SENDMAIL_CACHE=${THRESHER_SENDMAIL_CACHE:-/var/cache/thresher-test/sendmail}
sendmail_unpacked() {
  [ -f "$SENDMAIL_CACHE/.complete" ] && command -v m4 >/dev/null &&
    ! ldd "$SENDMAIL_CACHE/root/usr/libexec/sendmail/sendmail" 2>/dev/null | grep -q 'not found'
}
if ! sendmail_unpacked; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-test-deps: need root to unpack Sendmail into $SENDMAIL_CACHE" >&2
    exit 1
  fi
  echo "install-test-deps: unpacking sendmail-bin and sendmail-cf into $SENDMAIL_CACHE"
  apt-cache show sendmail-bin >/dev/null 2>&1 || apt-get update -qq
  sm_libs=($(apt-cache depends --no-recommends --no-suggests sendmail-bin | sed -n 's/^ *Depends: \(lib[^ <>]*\)$/\1/p'))
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends m4 "${sm_libs[@]}" >/dev/null
  sm_tmp=$(mktemp -d)
  # root downloads into root's temp dir: apt's sandbox user _apt could not write there
  ( cd "$sm_tmp" && apt-get download -qq -o APT::Sandbox::User=root sendmail-bin sendmail-cf )
  rm -rf "$SENDMAIL_CACHE"
  mkdir -p "$SENDMAIL_CACHE/root"
  for deb in "$sm_tmp"/*.deb; do dpkg-deb -x "$deb" "$SENDMAIL_CACHE/root"; done
  dpkg-deb -f "$sm_tmp"/sendmail-bin_*.deb Version > "$SENDMAIL_CACHE/VERSION"
  rm -rf "$sm_tmp"
  # Packaged setgid mail; the private copy runs as root and needs no setgid bit.
  chmod g-s "$SENDMAIL_CACHE/root/usr/libexec/sendmail/sendmail"
  touch "$SENDMAIL_CACHE/.complete"
  sendmail_unpacked || { echo "install-test-deps: unpacked Sendmail in $SENDMAIL_CACHE does not run (ldd)" >&2; exit 1; }
fi

PKGS=(postfix miltertest redis-server clamav-daemon clamav spamd)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-test-deps: need root to install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Do not let the packages configure or start system services (mail, clamd, freshclam, spamd):
# tests run private instances.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
echo "install-test-deps: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
