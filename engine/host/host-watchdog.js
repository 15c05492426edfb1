"use strict";
// Preloaded (`node --require <this>`) into the dynamic-provider host started by the test harness: exits the host
// when its stdin closes, i.e. when the test process dies without running its cleanup (SIGKILL, crash, Ctrl-C).
// It touches nothing else: stdout/stderr, module resolution and the host's own code are unchanged.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
// Do not let the watchdog keep an otherwise finished host alive.
if (typeof process.stdin.unref === "function") process.stdin.unref();
