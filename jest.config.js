/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.js'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.node.json' }] },
  testTimeout: 20000
}
