"use strict";
// Preloaded (`node --require <this>`) into the dynamic-provider host started by the test harness: exits the host
// when its stdin closes, i.e. when the test process dies without running its cleanup (SIGKILL, crash, Ctrl-C).
// It touches nothing else: stdout/stderr, module resolution and the host's own code are unchanged. The engine has
// no such watchdog: a host it started outlives a CLI that died (see provider/common/engine-liveness.ts), which
// tests reproduce with `watchdog: false` and ProviderHost.orphan().
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
// Do not let the watchdog keep an otherwise finished host alive.
if (typeof process.stdin.unref === "function") process.stdin.unref();
