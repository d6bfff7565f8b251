#!/usr/bin/env bash
# Regenerates the committed Java classes of src/main/fbs/demo.fbs (src/main/java/dev/ipc4j/samples/flatbuffers/demo)
# with the flatbuffers module's flatc 25.2.10 (WebAssembly, from npm; see flatbuffers/tools/regenerate.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../../flatbuffers/tools/regenerate.sh" "$here/.." main
