#!/usr/bin/env bash
# Install the Debian packages some tests check galley's output with, when they are missing:
#   graphviz  `dot` renders `galley graph --format dot` (tests/graph.rs)
#   man-db    `man -l` renders the generated man pages (tests/integration.rs)
#   docker-registry  the CNCF distribution registry `galley bundle -o oci://` pushes to (tests/oci.rs)
#   apache2-utils  `htpasswd` makes the password file of the registry with basic auth (tests/oci_tls.rs)
# Only as root with apt-get; otherwise it says what it skipped, and those tests print SKIPPED.
set -uo pipefail

say() { printf 'install-debs: %s\n' "$*"; }
declare -A probe=([graphviz]=dot [man-db]=man [apache2-utils]=htpasswd)
missing=()
for pkg in "${@:-graphviz man-db docker-registry apache2-utils}"; do
  for p in $pkg; do
    command -v "${probe[$p]:-$p}" >/dev/null 2>&1 || missing+=("$p")
  done
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  say "not root or no apt-get: skipping ${missing[*]} (the tests that need them are skipped)"
  exit 0
fi
say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; }; then
  say "apt-get failed: skipping ${missing[*]} (the tests that need them are skipped)"
fi
exit 0
