#!/usr/bin/env -S node --max-semi-space-size=4
// The CLI ships as compiled JavaScript (npm ci builds it through the prepare script).
// The flag caps V8's young generation at 4 MB semi-spaces: a backup streams its snapshot through short-lived
// chunks, and with Node's default (16 MB) the young generation alone lifts the service's peak RSS past 150 MB.
// Measured: 110-117 MB at 200 MB and 1 GB against 147-151 MB, for no more CPU per backup (docs/performance.md).
// V8 sizes the young generation at start-up, so the flag must be on node's command line: here, and in
// `npm start`, which runs this file through this line.
import '../dist/cli/main.js';
