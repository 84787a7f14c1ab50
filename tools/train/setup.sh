#!/usr/bin/env bash
# Installs what training the default model needs (never CI, never
# scripts/setup.sh): Debian's CPU PyTorch and OpenBLAS. Debian's torch
# calls the reference BLAS through libblas.so.3, which is ~10x slower than
# OpenBLAS; build_model.sh puts OpenBLAS first on LD_LIBRARY_PATH for the
# training process only, so the system-wide BLAS choice is left alone.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get install -y python3-torch python3-numpy libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
