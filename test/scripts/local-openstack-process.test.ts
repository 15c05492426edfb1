import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const processLib = resolve(__dirname, "../../scripts/local-openstack/process.sh");

// Runs wait_until_up of scripts/local-openstack/process.sh on a server started by `launch`, with an http_ok that
// answers once the server has written its "ready" file.
function waitForLaunched(dir: string, serverCommand: string[]): { status: number | null; stderr: string } {
  const script = `
    set -euo pipefail
    source "$1"; shift
    declare -A PIDFILE MATCH PROBE LOGS
    PIDFILE[fake]=$DIR/fake.pid MATCH[fake]=fakeserver PROBE[fake]=$DIR/ready LOGS[fake]=$DIR/fake.log
    TIMEOUT=20
    die() { echo "DIE: $*" >&2; exit 3; }
    http_ok() { [[ -e $1 ]]; }
    launch fake "$@"
    wait_until_up fake
    kill -TERM "$(<"$DIR/fake.pid")"
  `;
  const run = spawnSync("bash", ["-c", script, "test", processLib, ...serverCommand], {
    env: { ...process.env, DIR: dir },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe("local-openstack process.sh: waiting for a server to answer", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lo-process-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a server whose command line is empty for a moment (an exec chain, as in-root.sh's) is still starting, not dead", () => {
    // perl blanks its own command line (as the kernel shows one between execs), then execs the real server.
    const server = [
      "perl",
      "-e",
      '$0 = ""; select(undef, undef, undef, 1.5); exec("bash", "-c", "touch \\"$ENV{DIR}/ready\\"; exec sleep 30", "fakeserver")',
    ];
    const { status, stderr } = waitForLaunched(dir, server);
    assert.equal(stderr.includes("exited during start-up"), false, stderr);
    assert.equal(status, 0, stderr);
  });

  it("a server that exits before it answers is reported with its logs", () => {
    const { status, stderr } = waitForLaunched(dir, ["bash", "-c", "echo fakeserver failed to bind >&2; exit 1", "fakeserver"]);
    assert.equal(status, 3, stderr);
    assert.match(stderr, /DIE: fake \(pid \d+\) exited during start-up/);
    assert.match(stderr, /fakeserver failed to bind/);
  });
});
