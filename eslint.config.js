// Flat config: type-aware rules so that floating promises are an error (CONVENTIONS: every async call awaited).
// Scripts (tools/, test harness hooks, these config files) are CommonJS checked JS: same rules, their own tsconfig.
const tseslint = require('typescript-eslint');

/** @type {import('eslint').Linter.RulesRecord} */
const typeAwareRules = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
};

module.exports = tseslint.config(
  // Runtime data (the broker's log directories come and go while it runs) and build output are never linted.
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/generated/**',
      'infra/**',
      '.data/**',
      '.logs/**',
      '.turbo/**',
      'coverage/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: __dirname } },
    rules: typeAwareRules,
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      parserOptions: { project: './tsconfig.scripts.json', tsconfigRootDir: __dirname },
    },
    rules: { ...typeAwareRules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The dashboard's browser script: plain ES2020 in the page, checked without type information.
    files: ['services/analytics/public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'script', parserOptions: { project: null } },
  },
);
