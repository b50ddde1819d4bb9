// Builds, from src/ and node/ (see README "构建产物 / Build output"):
//  - miniprogram_dist/<entry>.js: each entry as ONE self-contained CommonJS file, ES2015 syntax,
//    minified, for WeChat devtools "构建 npm" (package.json "miniprogram" field), plus .d.ts.
//    index.js is the WeChat core (size budget 3,500 B gzip -9); the other entries cost it nothing.
//  - dist/<entry>.{mjs,cjs,d.ts}: the same entries for Node and bundlers (uni-app's Vite, Taro);
//  - dist/node.{mjs,cjs,d.ts}: the Node implementation of wx.request (`miniprogram-eventsource/node`).
//  Each dist d.ts has a .d.mts twin (same text) so TypeScript's node16/nodenext ESM resolution reads
//  ESM types for the .mjs file and CJS types for the .cjs file (no "masquerading" format).
const fs = require('node:fs')
const typescript = require('@rollup/plugin-typescript')
const terser = require('@rollup/plugin-terser')
const { dts } = require('rollup-plugin-dts')
const { builtinModules } = require('node:module')

/** Public entries besides `node`: `.` is index; the others are subpaths of the package. */
const ENTRIES = ['index', 'universal', 'ai', 'chat'].filter((name) => fs.existsSync('src/' + name + '.ts'))

const ts = (target) =>
  typescript({
    tsconfig: 'tsconfig.node.json',
    include: ['src/**/*.ts', 'node/**/*.ts'],
    compilerOptions: { target, module: 'esnext', moduleResolution: 'bundler', declaration: false, noEmit: false, sourceMap: false },
    noForceEmit: false
  })

const external = (id) => id.startsWith('node:') || builtinModules.includes(id)

// The native WeChat bundle (index) leaves out what only framework builds need: see
// __NATIVE_WECHAT__ in src/transports/request.ts. `loops: false` keeps `while` loops as written
// (not `for(;;)`): the same length, and it gzips smaller (index.js, measured).
const minify = (name) =>
  terser({
    ecma: 2015,
    toplevel: true,
    compress: { passes: 3, loops: false, unsafe_arrows: true, unsafe_methods: true, pure_getters: true, global_defs: name === 'index' ? { __NATIVE_WECHAT__: true } : {} },
    format: { comments: false }
  })

module.exports = [
  ...ENTRIES.map((name) => ({
    input: 'src/' + name + '.ts',
    output: { file: 'miniprogram_dist/' + name + '.js', format: 'cjs', exports: 'named', esModule: false, generatedCode: { preset: 'es2015', symbols: false } },
    plugins: [ts('es2015'), minify(name)]
  })),
  ...ENTRIES.map((name) => ({
    input: 'src/' + name + '.ts',
    output: [
      { file: 'dist/' + name + '.mjs', format: 'es' },
      { file: 'dist/' + name + '.cjs', format: 'cjs', exports: 'named' }
    ],
    plugins: [ts('es2015')]
  })),
  {
    input: 'node/index.ts',
    external,
    output: [
      { file: 'dist/node.mjs', format: 'es' },
      { file: 'dist/node.cjs', format: 'cjs', exports: 'named' }
    ],
    plugins: [ts('es2020')]
  },
  ...ENTRIES.map((name) => ({
    input: 'src/' + name + '.ts',
    output: [{ file: 'dist/' + name + '.d.ts' }, { file: 'dist/' + name + '.d.mts' }, { file: 'miniprogram_dist/' + name + '.d.ts' }],
    plugins: [dts()]
  })),
  { input: 'node/index.ts', external, output: [{ file: 'dist/node.d.ts' }, { file: 'dist/node.d.mts' }], plugins: [dts()] }
]
