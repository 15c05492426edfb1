import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { octaviaConfigSnippet } from "../../provider/glance-tagged-image/outputs";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { validateInputs } from "../../provider/common/validate";

/** Debian's interpreter: python3-oslo.config (scripts/install-build-tools.sh) is installed for it, not for a pyenv. */
const PYTHON = "/usr/bin/python3";
const READER = join(__dirname, "..", "fixtures", "oslo-config", "read-controller-worker.py");

/** What oslo.config (Octavia's configuration reader) reads from each snippet. */
function readWithOsloConfig(snippets: readonly string[]): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), "octavia-snippet-"));
  try {
    const files = snippets.map((text, i) => {
      const file = join(dir, `octavia-${i}.conf`);
      writeFileSync(file, text, "utf8");
      return file;
    });
    const out = execFileSync(PYTHON, [READER, ...files], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", LC_ALL: "C.UTF-8" } });
    return JSON.parse(out) as unknown[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const OWNER = "d0f3ea5ced4144f4892a9725357e915f";

describe("GlanceTaggedImage: the Octavia snippet is what oslo.config reads", () => {
  const nasty = [
    "amphora",
    "x-$host",
    "a$$b",
    "${foo}",
    "$",
    "price-$5",
    "a#b",
    "#amphora",
    "a;b",
    ";amphora",
    "%s",
    "%(host)s",
    "a = b : c",
    '"quoted"',
    "'single'",
    '"',
    "'",
    '"half',
    "ämphora-ünïcode-タグ-🚀",
    "a\u2028b",
    "amphora\u0085", // JavaScript's trim keeps U+0085, Python's strip does not
    "\u0085amphora",
    "a\\b",
  ];

  it("every accepted tag reads back verbatim, with its owner", function () {
    this.timeout(30_000);
    for (const tag of nasty) {
      assert.deepEqual(validateInputs(glanceTaggedImageInputsSchema(), { resourceKey: "k", tag, file: "/x" }).failures, [], tag);
    }
    const read = readWithOsloConfig(nasty.map((tag) => octaviaConfigSnippet(tag, OWNER)));
    assert.deepEqual(
      read,
      nasty.map((tag) => ({ tag, owner: OWNER })),
    );
  });

  it("leaves a plain tag as it is", () => {
    assert.equal(octaviaConfigSnippet("amphora", OWNER), `[controller_worker]\namp_image_tag = amphora\namp_image_owner_id = ${OWNER}\n`);
  });

  it("refuses in check a tag no snippet can carry (a backslash before $), naming the field", () => {
    const { failures } = validateInputs(glanceTaggedImageInputsSchema(), { resourceKey: "k", tag: "a\\$b", file: "/x" });
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assert.equal(failures[0]?.property, "tag");
    assert.match(failures[0]?.reason ?? "", /backslash.*\$.*oslo\.config/);
  });
});
