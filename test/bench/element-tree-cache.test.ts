/**
 * The element-tree digest remembers file digests between diffs (provider/amphora-image-build/element-tree.ts),
 * keyed by what any write changes. These edits must still change the key after the tree was digested and
 * remembered: the same size and modification time restored by `touch -d`, the executable bit, a symlink target,
 * a file replaced by rename; files and directories added or removed in a directory whose listing is remembered.
 * Files and directories changed in the last 2 s are always read again (racy window).
 */
import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { digestElementRoots, treeStats } from "../../provider/amphora-image-build/element-tree";
import { tmpDir } from "../amphora-image-build/helpers";

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 2_200));

describe("element tree digests remembered between diffs stay exact", function () {
  this.timeout(60_000);
  let root: string;
  let hook: string;
  before(async () => {
    root = await tmpDir("element-cache-");
    await fs.mkdir(path.join(root, "e1", "install.d"), { recursive: true });
    hook = path.join(root, "e1", "install.d", "50-hook");
    await fs.writeFile(hook, "#!/bin/sh\necho one\n", { mode: 0o755 });
    await fs.symlink("50-hook", path.join(root, "e1", "install.d", "60-link"));
  });
  after(() => fs.rm(root, { recursive: true, force: true }));

  const hash = async (): Promise<string | undefined> => (await digestElementRoots([root])).e1?.hash;

  it("same size, same mtime, other bytes: the key changes", async () => {
    await settle();
    const before = await hash();
    assert.strictEqual(await hash(), before, "stable while nothing changes");
    const st = await fs.stat(hook);
    await fs.writeFile(hook, "#!/bin/sh\necho two\n");
    await fs.utimes(hook, st.atime, st.mtime);
    assert.strictEqual((await fs.stat(hook)).size, st.size);
    assert.notStrictEqual(await hash(), before);
  });

  it("a change within the racy window right after a digest is seen", async () => {
    await settle();
    const before = await hash();
    await fs.writeFile(hook, "#!/bin/sh\necho thr\n");
    assert.notStrictEqual(await hash(), before);
    await fs.writeFile(hook, "#!/bin/sh\necho fou\n");
    const third = await hash();
    await fs.writeFile(hook, "#!/bin/sh\necho fiv\n");
    assert.notStrictEqual(await hash(), third, "edits within the same second are all seen");
  });

  it("chmod, symlink target and replace-by-rename change the key", async () => {
    await settle();
    const a = await hash();
    await fs.chmod(hook, 0o644);
    const b = await hash();
    assert.notStrictEqual(b, a, "executable bit");
    await settle();
    await hash();
    await fs.unlink(path.join(root, "e1", "install.d", "60-link"));
    await fs.symlink("other", path.join(root, "e1", "install.d", "60-link"));
    const c = await hash();
    assert.notStrictEqual(c, b, "symlink target");
    await settle();
    await hash();
    const tmp = path.join(root, "e1", "replacement");
    await fs.writeFile(tmp, "#!/bin/sh\necho six\n", { mode: 0o644 });
    await fs.rename(tmp, hook);
    assert.notStrictEqual(await hash(), c, "a new file under the same name");
  });

  it("files and directories added to or removed from a remembered directory change the key; an unchanged walk returns the same digest", async () => {
    await settle();
    const first = (await digestElementRoots([root])).e1;
    const again = (await digestElementRoots([root])).e1;
    assert.strictEqual(again, first, "nothing changed: the remembered digest itself");
    const added = path.join(root, "e1", "install.d", "70-added");
    await fs.writeFile(added, "x");
    const withFile = (await digestElementRoots([root])).e1;
    assert.notStrictEqual(withFile?.hash, first?.hash, "a file added");
    assert.ok(withFile && "install.d/70-added" in withFile.files);
    await settle();
    await hash();
    await fs.mkdir(path.join(root, "e1", "post-install.d"));
    await fs.writeFile(path.join(root, "e1", "post-install.d", "10-new"), "y");
    const withDir = (await digestElementRoots([root])).e1;
    assert.deepStrictEqual(Object.keys(withDir?.files ?? {}), ["install.d/50-hook", "install.d/60-link", "install.d/70-added", "post-install.d/10-new"]);
    await settle();
    await hash();
    await fs.rm(path.join(root, "e1", "post-install.d"), { recursive: true });
    await fs.unlink(added);
    const removed = (await digestElementRoots([root])).e1;
    assert.deepStrictEqual(Object.keys(removed?.files ?? {}), ["install.d/50-hook", "install.d/60-link"]);
    assert.strictEqual(removed?.hash, first?.hash, "back to the first tree, back to its digest");
  });

  it("a watched, unchanged tree is not walked again; an edit made just before the next digest is seen", async () => {
    await hash();
    const walks = treeStats().walks;
    const unchanged = await hash();
    assert.strictEqual(await hash(), unchanged);
    assert.strictEqual(treeStats().walks, walks, "no walk while the watch saw nothing");
    await fs.writeFile(path.join(root, "e1", "install.d", "80-late"), "z");
    const edited = (await digestElementRoots([root])).e1;
    assert.ok(edited && "install.d/80-late" in edited.files, "the new file is in the digest");
    assert.strictEqual(treeStats().walks, walks + 1);
    await fs.chmod(hook, 0o700);
    const chmodded = await hash();
    assert.notStrictEqual(chmodded, edited?.hash, "a chmod deep in the tree is notified too");
    await fs.unlink(path.join(root, "e1", "install.d", "80-late"));
    await hash();
    const missing = path.join(root, "not-yet");
    await digestElementRoots([root, missing]);
    const before = treeStats().walks;
    await digestElementRoots([root, missing]);
    assert.strictEqual(treeStats().walks, before + 1, "a root that does not exist cannot be watched: walked every time");
    await fs.mkdir(path.join(missing, "e9"), { recursive: true });
    assert.ok("e9" in (await digestElementRoots([root, missing])));
  });
});
