// The lint `nest new` sets up (typescript-eslint, type-aware), for every tracked source; Prettier
// owns formatting (`npm run format:check`), so no style rule is repeated here.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.data/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // Jest's globals only matter to plain JS (TypeScript knows them from @types/jest), and no JS file is a test.
      globals: globals.node,
      sourceType: 'commonjs',
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A script's reply is a plain number that is either a count or a ScriptCode (the enum whose values
      // the Lua is built from); comparing the reply with ScriptCode members is what the enum is for.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
  {
    // Plain Node scripts (start, test, CI helpers): CommonJS without types.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // supertest's and fetch's bodies are `any` by design: tests read them and assert on them.
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.system-spec.ts', '**/test/**/*.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
