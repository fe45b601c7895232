// typescript-eslint's recommended rules (not the type-aware set: it would need a second, slower
// compile with TypeScript 5.9; `npm run typecheck` already runs TypeScript 7 over everything).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['dist/', 'node_modules/', 'data/', 'test/fixtures/'] }, js.configs.recommended, ...tseslint.configs.recommended, {
  languageOptions: { globals: globals.node },
  rules: {
    // `_` marks an argument a signature needs but the body does not.
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
  },
});
