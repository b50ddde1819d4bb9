'use strict'
// SSE parsers, text in → events out. Each contender: create(onEvent) → { feed(text) }.
const library = require('./library')

async function parserContenders() {
  const { createParser: ownParser } = library.node()
  // eventsource-parser is ESM only.
  const { createParser: esParser } = await import('eventsource-parser')
  return [
    {
      name: 'own',
      short: 'own',
      label: 'own createParser (dist/index.cjs)',
      create: (onEvent) => ownParser({ onEvent })
    },
    {
      name: 'esp',
      short: 'eventsource-parser',
      label: 'eventsource-parser ' + require('eventsource-parser/package.json').version,
      create: (onEvent) => esParser({ onEvent })
    }
  ]
}

module.exports = { parserContenders }
