// Builds three things from src/ (see README "构建产物 / Build output"):
//  - miniprogram_dist/index.js: ONE self-contained CommonJS file, ES2015 syntax, minified, for
//    WeChat devtools "构建 npm" (package.json "miniprogram" field), plus index.d.ts;
//  - dist/index.{mjs,cjs,d.ts}: the same library for Node and bundlers;
//  - dist/node.{mjs,cjs,d.ts}: the Node implementation of wx.request (`miniprogram-eventsource/node`).
const typescript = require('@rollup/plugin-typescript')
const terser = require('@rollup/plugin-terser')
const { dts } = require('rollup-plugin-dts')
const { builtinModules } = require('node:module')

const ts = (target) =>
  typescript({
    tsconfig: 'tsconfig.node.json',
    include: ['src/**/*.ts', 'node/**/*.ts'],
    compilerOptions: { target, module: 'esnext', moduleResolution: 'bundler', declaration: false, noEmit: false, sourceMap: false },
    noForceEmit: false
  })

const external = (id) => id.startsWith('node:') || builtinModules.includes(id)

module.exports = [
  {
    input: 'src/index.ts',
    output: { file: 'miniprogram_dist/index.js', format: 'cjs', exports: 'named', esModule: false, generatedCode: { preset: 'es2015', symbols: false } },
    plugins: [
      ts('es2015'),
      terser({ ecma: 2015, toplevel: true, compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true, pure_getters: true }, format: { comments: false } })
    ]
  },
  {
    input: 'src/index.ts',
    output: [
      { file: 'dist/index.mjs', format: 'es' },
      { file: 'dist/index.cjs', format: 'cjs', exports: 'named' }
    ],
    plugins: [ts('es2015')]
  },
  {
    input: 'node/index.ts',
    external,
    output: [
      { file: 'dist/node.mjs', format: 'es' },
      { file: 'dist/node.cjs', format: 'cjs', exports: 'named' }
    ],
    plugins: [ts('es2020')]
  },
  { input: 'src/index.ts', output: [{ file: 'dist/index.d.ts' }, { file: 'miniprogram_dist/index.d.ts' }], plugins: [dts()] },
  { input: 'node/index.ts', external, output: { file: 'dist/node.d.ts' }, plugins: [dts()] }
]
