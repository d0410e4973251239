#!/usr/bin/env bash
# Installs what the tests and the pipeline need on a fresh Debian machine with Node.js and npm:
# the pinned Deno (from npm), the npm packages locked in deno.lock, and the Debian packages the
# tests and benchmarks use. Idempotent: each step is skipped when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

DENO_VERSION="2.9.6"
if ! command -v deno >/dev/null 2>&1 || ! deno --version | grep -q "deno ${DENO_VERSION} "; then
  echo "setup: installing deno ${DENO_VERSION} from npm" >&2
  npm install -g "deno@${DENO_VERSION}" >&2
fi

# Debian packages: a software WebGPU adapter (mesa), python3 for the code sandbox, Python's jinja2
# (python3-jinja2) as the second chat-template renderer of the tokenizer tests, Jupyter for the
# notebook check, Chromium for the report's browser check, nginx with WebDAV (nginx-light) for the
# remote cache tests, Slurm and munge (slurm-wlm, munge) for the Slurm executor tests, and PyTorch
# with OpenBLAS (python3-torch, libopenblas0-pthread) for the Hugging Face model tests' float64
# reference (tests/model/hf_reference.py) and `deno task bench:model`'s CPU reference.
APT_PACKAGES=(mesa-vulkan-drivers python3 python3-jinja2 jupyter-nbconvert jupyter-client chromium
  nginx-light slurm-wlm munge python3-torch libopenblas0-pthread)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "setup: apt-get install ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "setup: missing Debian packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
  fi
fi

deno install --frozen >&2
