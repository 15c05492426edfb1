import * as assert from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { consoleProblems, consoleStage, plainConsole, stageReached } from "../../provider/amphora-image-build/validate/boot/stages";
import { REPO_ROOT } from "./helpers";

/** Stage detection on the serial console of a real boot that did not reach the agent (see the fixture's README). */
describe("AmphoraImageBuild boot stages from a real serial console", () => {
  const raw = readFileSync(path.join(REPO_ROOT, "test", "fixtures", "boot-consoles", "debian-amphora-certs-ramfs-stuck.txt"), "utf8");
  const plain = plainConsole(raw);
  const lines = plain.split("\n");
  /** The console as it was when the line matching `re` had not been printed yet. */
  const before = (re: RegExp): string => lines.slice(0, lines.findIndex((l) => re.test(l))).join("\n");

  it("the whole console reached the network (cloud-init's table shows ens2 with a DHCP address)", () => {
    assert.strictEqual(consoleStage(plain), "network");
  });

  it("cut earlier, each stage is the last one whose evidence was printed", () => {
    assert.strictEqual(consoleStage(before(/Linux version \d/)), "firmware", "GRUB's menu only");
    assert.strictEqual(consoleStage(before(/systemd\[1\]: /)), "kernel", "kernel and initramfs");
    assert.strictEqual(consoleStage(before(/Cloud-init v\. /)), "userspace", "systemd ran, cloud-init had not");
    assert.strictEqual(consoleStage(before(/ci-info: \|\s+ens2\s+\| True \|\s+10\./)), "cloud-init", "cloud-init ran, no address yet");
  });

  it("a TLS handshake with the agent's port means the agent listens, whatever the console shows", () => {
    assert.strictEqual(stageReached(before(/systemd\[1\]: /), true), "agent");
    assert.strictEqual(stageReached(plain, false), "network");
  });

  it("terminal control sequences are gone and the failed units are the explanation", () => {
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(plain, /\x1b|\r/);
    const problems = consoleProblems(plain);
    assert.ok(problems.some((p) => /Failed to start octavia-ag.*amphora-haproxy network namespace/.test(p)), problems.join("\n"));
    assert.ok(problems.some((p) => /Failed to start networking.* Raise network interfaces/.test(p)), problems.join("\n"));
  });
});
