// Lint rules for the whole repository; typecheck is tsc's job, so only cheap, high-signal rules run here.
import { readdirSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Folders of dev-only tooling and tests: the deployed code (functions/, shared/) never imports them. */
const DEV_ONLY = ['local-stack', 'local-host', 'dev', 'bench', 'cli', 'test'];
const devOnlyImports = {
  regex: `(^|/)(${DEV_ONLY.join('|')})(/|$)`,
  message: 'functions/ and shared/ are deployed: they must not import dev-only tooling or tests',
};

/** Every target folder; a target never imports another (shared pieces live outside shared/targets/<name>/). */
const TARGETS = readdirSync(fileURLToPath(new URL('./shared/targets', import.meta.url)), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const boundary = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', '.azurite/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['functions/**/*.ts', 'shared/**/*.ts'], rules: boundary([devOnlyImports]) },
  // Later entries replace the rule's options for their files, so each repeats the dev-only pattern.
  ...TARGETS.map((target) => {
    const others = TARGETS.filter((name) => name !== target);
    return {
      files: [`shared/targets/${target}/**/*.ts`],
      rules: boundary([
        devOnlyImports,
        {
          regex: `(^\\.\\./|/targets/)(${others.join('|')})(/|$)`,
          message: `the ${target} target must not import another target; move what both need out of the target folders`,
        },
      ]),
    };
  }),
);
