#!/usr/bin/env bash
# Refuses (exit 1, one line) when installing postfix would replace the host's mail server:
# Debian's postfix conflicts with every other package that provides mail-transport-agent
# (exim4-daemon-*, sendmail-bin, opensmtpd, nullmailer, msmtp-mta, dma, ...), so apt-get would
# remove it. Nothing to say when postfix is installed already or no other MTA is.
# THRESHER_ALLOW_MTA_REPLACE=1 lets the install go ahead on a machine where that is wanted.
set -euo pipefail

installed() {
  dpkg-query -W -f='${Package}\t${Status}\t${Provides}\n' 2>/dev/null | awk -F'\t' '$2 == "install ok installed"'
}

list=$(installed)
if printf '%s\n' "$list" | awk -F'\t' '$1 == "postfix"' | grep -q .; then exit 0; fi
# Provides is a comma-separated list, each maybe with a version: "mail-transport-agent (= 1.0)".
others=$(printf '%s\n' "$list" | awk -F'\t' '{ n = split($3, p, /, */); for (i = 1; i <= n; i++) { sub(/ .*/, "", p[i]); if (p[i] == "mail-transport-agent") print $1 } }' | paste -sd, - | sed 's/,/, /g')
[ -z "$others" ] && exit 0
if [ "${THRESHER_ALLOW_MTA_REPLACE:-}" = 1 ]; then
  echo "install-test-deps: THRESHER_ALLOW_MTA_REPLACE=1: installing postfix removes $others" >&2
  exit 0
fi
echo "install-test-deps: refusing to install postfix: it would remove this host's mail server ($others); run the tests on another machine or container, or set THRESHER_ALLOW_MTA_REPLACE=1 to replace it" >&2
exit 1
