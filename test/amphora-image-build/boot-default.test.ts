/**
 * `validation.boot.enabled: auto`, the default: the boot check runs for qcow2 and raw images of the octavia front end
 * on a host with QEMU, xorriso and openssl; anything else is reported as disabled or skipped, saying why.
 */
import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { capture, toolEnv } from "../../provider/builder/capture";
import { amphoraImageBuildInputsSchema } from "../../provider/amphora-image-build/inputs";
import { bootByDefault } from "../../provider/amphora-image-build/validate/boot/default-on";
import { validateArtifact } from "../../provider/amphora-image-build/validate/checks";
import { FIXTURE_DIB, FIXTURE_SCRIPT, tmpDir } from "./helpers";

describe("AmphoraImageBuild boot check default (validation.boot.enabled: auto)", function () {
  this.timeout(90_000);
  let dir: string;
  let tools: string;
  let empty: string;
  const savedPath = process.env.PATH;
  before(async () => {
    dir = await tmpDir();
    tools = path.join(dir, "tools");
    empty = path.join(dir, "empty");
    await fs.mkdir(tools);
    await fs.mkdir(empty);
    for (const tool of ["qemu-system-x86_64", "qemu-system-aarch64", "xorriso", "openssl"]) {
      await fs.writeFile(path.join(tools, tool), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    }
  });
  afterEach(() => {
    process.env.PATH = savedPath;
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("is the default of validation.boot.enabled", () => {
    const inputs = amphoraImageBuildInputsSchema().parse({ frontEnd: "octavia", script: FIXTURE_SCRIPT, output: path.join(dir, "a.qcow2") });
    assert.strictEqual(inputs.validation.boot.enabled, "auto");
  });

  it("boots qcow2 and raw images of the octavia front end where QEMU, xorriso and openssl are installed", async () => {
    process.env.PATH = tools;
    assert.deepStrictEqual(await bootByDefault("octavia", "qcow2", "amd64"), { boot: true });
    assert.deepStrictEqual(await bootByDefault("octavia", "raw", "arm64"), { boot: true });
  });

  it("is off, saying why, for the dib front end and for vhd images", async () => {
    process.env.PATH = tools;
    assert.deepStrictEqual(await bootByDefault("dib", "qcow2", "amd64"), {
      boot: false,
      status: "disabled",
      detail: "off by default for the dib front end (validation.boot.enabled: true boots it)",
    });
    const vhd = await bootByDefault("octavia", "vhd", "amd64");
    assert.deepStrictEqual([vhd.boot, !vhd.boot && vhd.status], [false, "disabled"]);
    assert.match(!vhd.boot ? vhd.detail : "", /off by default for vhd images, on for qcow2 and raw/);
  });

  it("is skipped on a host that lacks a tool, naming each missing one and its Debian package", async () => {
    process.env.PATH = empty;
    const none = await bootByDefault("octavia", "qcow2", "amd64");
    assert.strictEqual(none.boot, false);
    assert.strictEqual(!none.boot && none.status, "skipped");
    assert.match(
      !none.boot ? none.detail : "",
      /^not booted by default: this host lacks qemu-system-x86_64 \(Debian package qemu-system-x86\), xorriso \(Debian package xorriso\), openssl \(Debian package openssl\)/,
    );
    const unknownArch = await bootByDefault("octavia", "qcow2", "ppc64el");
    assert.match(!unknownArch.boot ? unknownArch.detail : "", /no way to boot ppc64el images here/);
  });

  it("validateArtifact applies it: where the host lacks QEMU the octavia front end's image is skipped; the dib front end's is off", async () => {
    const r = await capture(FIXTURE_DIB, ["-o", path.join(dir, "img"), "-t", "qcow2", "--image-size", "1", "debian-minimal"], { env: toolEnv({ HOME: dir }) });
    assert.strictEqual(r.exitCode, 0, r.stderr);
    const image = path.join(dir, "img.qcow2");
    const parsed = amphoraImageBuildInputsSchema().parse({ frontEnd: "octavia", script: FIXTURE_SCRIPT, output: image, sizeGb: 1 }).validation;
    // The static checks are off: they need qemu-img and debugfs, which the PATH below hides with the gate's tools.
    const options = { ...parsed, integrity: false, virtualSize: false, kernel: false, packages: false };
    process.env.PATH = empty;
    const octavia = await validateArtifact(image, "qcow2", 1, options, { frontEnd: "octavia", arch: "amd64" });
    const boot = octavia.reports.find((c) => c.check === "boot");
    assert.strictEqual(boot?.status, "skipped", JSON.stringify(octavia.reports));
    assert.match(boot.detail, /this host lacks qemu-system-x86_64/);
    const dib = await validateArtifact(image, "qcow2", 1, options, { frontEnd: "dib", arch: "amd64" });
    assert.deepStrictEqual(dib.reports.find((c) => c.check === "boot"), { check: "boot", status: "disabled", detail: "off by default for the dib front end (validation.boot.enabled: true boots it)" });

    // Where the host has the tools, the same image of the octavia front end is booted: the fixture's has no boot
    // loader, so the gate fails it at the firmware within its (short) timeout.
    process.env.PATH = savedPath;
    if ((await bootByDefault("octavia", "qcow2", "amd64")).boot === false) return;
    const booted = await validateArtifact(image, "qcow2", 1, { ...options, boot: { ...options.boot, timeoutSeconds: 10, accelerator: "tcg" } }, { frontEnd: "octavia", arch: "amd64" });
    const gate = booted.reports.find((c) => c.check === "boot");
    assert.strictEqual(gate?.status, "failed", JSON.stringify(booted.reports));
    assert.match(gate.detail, /did not answer within 10 s; boot stopped at stage firmware/);
  });
});

