import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exampleConfigFile } from '../src/config/option-docs.js';

/** npm run eddy-conf: writes the example eddy.conf at the repository root from the option table. */
const target = resolve(import.meta.dirname, '../../eddy.conf');
writeFileSync(target, exampleConfigFile());
console.log(`wrote ${target}`);
