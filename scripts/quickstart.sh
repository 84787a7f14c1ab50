#!/usr/bin/env bash
# Sets everything up and runs the main job: installs the Debian packages,
# builds lithium (release, ccache) and generates from the default model.
# Until the embedded default model exists, the default is the real
# stories260K model in ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)"
MODEL=${LITHIUM_MODEL:-../shared/models/stories260K.gguf}
./build/tools/lithium/lithium run -m "$MODEL" -p "Once upon a time" -n 64 --temp 0 "$@"
