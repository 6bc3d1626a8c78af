#!/usr/bin/env node
// The CLI ships as compiled JavaScript (npm ci builds it through the prepare script).
import '../dist/cli/main.js';
