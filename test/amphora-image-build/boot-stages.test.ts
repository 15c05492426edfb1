import * as assert from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { consoleProblems, consoleStage, deadEnd, plainConsole, stageReached } from "../../provider/amphora-image-build/validate/boot/stages";
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

/** Consoles of real boots that could never reach the agent, and of one that could (see the fixtures' README). */
describe("AmphoraImageBuild boot gate's dead ends", () => {
  const fixture = (name: string): string => plainConsole(readFileSync(path.join(REPO_ROOT, "test", "fixtures", "boot-consoles", name), "utf8"));
  /** Every state the console passed through, line by line, as the gate reads it while the guest runs. */
  const prefixes = (plain: string): string[] => {
    const lines = plain.split("\n");
    return lines.map((_, i) => lines.slice(0, i + 1).join("\n"));
  };

  it("a boot that was on its way to the agent is never a dead end, at any point of its console", () => {
    const healthy = prefixes(fixture("debian-amphora-certs-ramfs-stuck.txt"));
    const early = healthy.filter((p) => deadEnd(p) !== undefined);
    assert.deepStrictEqual(early.map((p) => p.split("\n").length), []);
  });

  it("GRUB without a kernel to load: a dead end at the firmware, named with GRUB's own words", () => {
    const plain = fixture("debian-amphora-no-kernel.txt");
    assert.strictEqual(consoleStage(plain), "firmware");
    assert.match(deadEnd(plain) ?? "", /^the boot loader cannot start a kernel \(GRUB: error: file `\/boot\/vmlinuz-[^']+' not found\)$/);
    const menuOnly = plain.slice(0, plain.indexOf("Booting `Debian"));
    assert.strictEqual(deadEnd(menuOnly), undefined, "the menu alone is not one");
  });

  it("a system whose login prompts came up without cloud-init: a dead end in userspace, not a wait for the timeout", () => {
    const stages = prefixes(fixture("debian-amphora-no-cloud-init.txt"));
    const first = stages.findIndex((p) => deadEnd(p) !== undefined);
    assert.ok(first > 0, "a dead end once the prompts are up");
    assert.match(stages[first]!.split("\n").pop() ?? "", /Reached target .*getty\.target|login: *$/);
    assert.strictEqual(consoleStage(stages[first]!), "userspace");
    assert.match(deadEnd(stages[first]!) ?? "", /^the login prompts came up and cloud-init never ran: nothing reads Octavia's config drive/);
    assert.strictEqual(deadEnd(stages[first - 1]!), undefined);
  });

  it("a kernel panic ends the boot where it happened", () => {
    const panicked = "Linux version 6.1.0-57-amd64\n[    2.1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n";
    assert.strictEqual(deadEnd(panicked), "the kernel panicked (Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0))");
  });
});
