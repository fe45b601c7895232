#!/usr/bin/env node
// The `eddy-pitr` command: point-in-time recovery into a new data directory (npm run build makes dist/).
import '../dist/tools/eddy-pitr.js';
