import { strict as assert } from "node:assert";
import { spawn, type StdioOptions } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MODULE = join(__dirname, "..", "..", "provider", "common", "engine-liveness.ts");

/**
 * A process that loads the module under ts-node, starts watching, and prints what engineGone() says every 20 ms
 * until it has said "true" or 1.5 s passed. `closeAfterMs`: this side's end of its stdin pipe is closed then.
 */
async function watchFrom(script: string, stdin: "pipe" | "ignore" | "fifo", closeAfterMs?: number): Promise<string[]> {
  await writeFile(
    script,
    `require(${JSON.stringify(require.resolve("ts-node"))}).register({ transpileOnly: true });
const { watchEngine, engineGone } = require(${JSON.stringify(MODULE)});
watchEngine();
const started = Date.now();
const tick = setInterval(() => {
  const gone = engineGone();
  process.stdout.write(gone + "\\n");
  if (gone || Date.now() - started > 1500) { clearInterval(tick); process.exit(0); }
}, 20);
`,
  );
  const env = { ...process.env, NODE_OPTIONS: "" };
  // "fifo": stdin is an OS pipe (what Go's exec.Cmd.StdinPipe gives the engine's plugins; Node's own "pipe" is a
  // socket pair) whose writer, a shell's `sleep`, exits after `closeAfterMs`.
  const child =
    stdin === "fifo"
      ? spawn("/bin/sh", ["-c", `sleep ${(closeAfterMs ?? 0) / 1000 + 0.3} | "$0" "$1"`, process.execPath, script], { stdio: ["ignore", "pipe", "inherit"], env })
      : spawn(process.execPath, [script], { stdio: [stdin, "pipe", "inherit"] as StdioOptions, env });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  // Closed only once the child answered, so the end of file comes after the watch began.
  if (closeAfterMs !== undefined && stdin === "pipe") {
    child.stdout!.once("data", () => setTimeout(() => child.stdin!.end(), closeAfterMs));
  }
  await new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return out.trim().split("\n");
}

describe("engine liveness: a dynamic-provider host learns that the engine that started it is gone", function () {
  this.timeout(30_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "engine-liveness-"));
    await mkdir(join(dir, "cmd", "dynamic-provider"), { recursive: true });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a host started as the engine starts it (stdin a pipe) sees the end of its stdin as the engine gone", async () => {
    const said = await watchFrom(join(dir, "cmd", "dynamic-provider", "index.js"), "pipe", 100);
    assert.equal(said[0], "false", "the engine is alive while its pipe is open");
    assert.equal(said.at(-1), "true", `the end of stdin was not seen: ${said.join(",")}`);
  });

  it("the same with an OS pipe on stdin, as the engine's exec.Cmd.StdinPipe gives it", async () => {
    const said = await watchFrom(join(dir, "cmd", "dynamic-provider", "index.js"), "fifo", 100);
    assert.equal(said[0], "false", "the engine is alive while its pipe is open");
    assert.equal(said.at(-1), "true", `the end of stdin was not seen: ${said.join(",")}`);
  });

  it("a host whose stdin is not a pipe (started by hand, /dev/null) is never taken for orphaned", async () => {
    const said = await watchFrom(join(dir, "cmd", "dynamic-provider", "index.js"), "ignore");
    assert.ok(said.length > 10 && said.every((s) => s === "false"), said.join(","));
  });

  it("a process that is not the dynamic-provider host (tests, in-process use) is never watched, even when its stdin closes", async () => {
    const said = await watchFrom(join(dir, "other.js"), "pipe", 100);
    assert.ok(said.length > 10 && said.every((s) => s === "false"), said.join(","));
  });
});
