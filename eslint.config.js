// Lint: TypeScript rules plus the import boundaries of ARCHITECTURE.md ("what may import what").
const tseslint = require('typescript-eslint');
const importPlugin = require('eslint-plugin-import');

const zones = [
  // schemas/ imports nothing but schemas/common
  { target: './schemas', from: ['./src', './procedures', './test'] },
  { target: './schemas', from: './schemas', except: ['./common.ts'] },
  // errors and procedure types import nothing of ours
  { target: './src/core/errors.ts', from: ['./src', './procedures', './schemas'], except: ['./core/errors.ts'] },
  { target: './src/core/procedure.ts', from: ['./src', './procedures', './schemas'], except: ['./core/procedure.ts'] },
  // the database layer knows no procedures, adapters or express
  { target: './src/db', from: ['./procedures', './src/adapters', './src/app.ts', './src/auth', './src/ldap'] },
  // procedures see schemas, core types/errors and repositories only
  { target: './procedures', from: ['./src/adapters', './src/auth', './src/mail', './src/ldap', './src/app.ts', './src/main.ts', './src/config.ts', './src/db/database.ts', './src/core/dispatcher.ts'] },
  // the core machinery gets the registry handed in and knows no adapters
  { target: './src/core', from: ['./procedures', './src/adapters', './src/auth', './src/mail', './src/ldap', './src/app.ts'] },
  { target: './src/core', from: ['./src/db'], except: ['./transaction.ts', './pgErrors.ts'] },
  // adapters translate; they never touch the database or the procedures, nor each other
  { target: './src/adapters', from: ['./src/db', './procedures', './src/auth', './src/mail', './src/ldap'] },
  // outgoing mail is infrastructure handed to procedures as a service
  { target: './src/mail', from: ['./src/db', './procedures', './src/adapters', './src/auth', './src/app.ts'] },
  // the LDAP directory likewise (procedures get it as ctx.services.ldap, authentication as an option)
  { target: './src/ldap', from: ['./src/db', './procedures', './src/adapters', './src/auth', './src/mail', './src/app.ts'] },
];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'bench/results/**', 'bench/baseline.mjs'] }, // bench/baseline.mjs: vendored, kept byte-identical
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    // node_modules are never parsed for cycles (PGlite's bundle overflows the parser's stack)
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } }, 'import/ignore': ['node_modules'] },
    rules: {
      'import/no-restricted-paths': ['error', { zones }],
      'import/no-cycle': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
