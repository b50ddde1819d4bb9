'use strict'
/**
 * Just enough DOM for miniprogram-simulate (j-component + exparser) to render WXML in Jest's node
 * environment: elements, text nodes, fragments, attributes, classList. No layout, no CSS.
 */
class MiniNode {
  constructor(nodeType, nodeName, ownerDocument) {
    this.nodeType = nodeType
    this.nodeName = nodeName
    this.ownerDocument = ownerDocument
    this.childNodes = []
    this.parentNode = null
  }
  get firstChild() { return this.childNodes[0] || null }
  get lastChild() { return this.childNodes[this.childNodes.length - 1] || null }
  get nextSibling() { return this.sibling(1) }
  get previousSibling() { return this.sibling(-1) }
  sibling(step) {
    if (!this.parentNode) return null
    const siblings = this.parentNode.childNodes
    return siblings[siblings.indexOf(this) + step] || null
  }
  appendChild(child) { return this.insertBefore(child, null) }
  insertBefore(child, ref) {
    if (child.nodeType === 11) {
      child.childNodes.slice().forEach((node) => this.insertBefore(node, ref))
      return child
    }
    if (child.parentNode) child.parentNode.removeChild(child)
    const at = ref ? this.childNodes.indexOf(ref) : -1
    if (at < 0) this.childNodes.push(child)
    else this.childNodes.splice(at, 0, child)
    child.parentNode = this
    return child
  }
  removeChild(child) {
    const at = this.childNodes.indexOf(child)
    if (at >= 0) this.childNodes.splice(at, 1)
    child.parentNode = null
    return child
  }
  replaceChild(next, old) {
    this.insertBefore(next, old)
    return this.removeChild(old)
  }
  get textContent() {
    return this.nodeType === 3 ? this.nodeValue : this.childNodes.map((c) => c.textContent).join('')
  }
  set textContent(value) {
    if (this.nodeType === 3) {
      this.nodeValue = String(value)
      return
    }
    this.childNodes.forEach((c) => { c.parentNode = null })
    this.childNodes = []
    if (value !== '' && value != null) this.appendChild(this.ownerDocument.createTextNode(String(value)))
  }
  addEventListener() {}
  removeEventListener() {}
  // j-component finds the exparser element of a tapped node through `event.target`.
  dispatchEvent(event) {
    Object.defineProperty(event, 'target', { value: this, configurable: true })
    return true
  }
}

class MiniElement extends MiniNode {
  constructor(tagName, ownerDocument) {
    super(1, String(tagName).toUpperCase(), ownerDocument)
    this.tagName = this.nodeName
    this.attributes = {}
    this.style = {}
    const classes = new Set()
    this.classList = {
      add: (...names) => names.forEach((n) => classes.add(n)),
      remove: (...names) => names.forEach((n) => classes.delete(n)),
      contains: (name) => classes.has(name),
      toggle: (name, force) => {
        const on = force === undefined ? !classes.has(name) : force
        if (on) classes.add(name)
        else classes.delete(name)
        return on
      }
    }
  }
  setAttribute(name, value) { this.attributes[name] = String(value) }
  getAttribute(name) { return name in this.attributes ? this.attributes[name] : null }
  removeAttribute(name) { delete this.attributes[name] }
  hasAttribute(name) { return name in this.attributes }
}

class MiniText extends MiniNode {
  constructor(value, ownerDocument) {
    super(3, '#text', ownerDocument)
    this.nodeValue = String(value)
  }
}

/** Installs `window` and `document` globals (only if absent); returns an uninstall function. */
function installMiniDom() {
  if (typeof globalThis.document !== 'undefined') return () => {}
  const document = {
    createElement: (tag) => new MiniElement(tag, document),
    createTextNode: (value) => new MiniText(value, document),
    createDocumentFragment: () => new MiniNode(11, '#document-fragment', document),
    importNode: (node) => node,
    querySelectorAll: () => [],
    getElementsByTagName: (tag) => {
      const list = tag === 'head' ? [document.head] : []
      list.item = (i) => list[i]
      return list
    }
  }
  document.head = document.createElement('head')
  document.body = document.createElement('body')
  document.documentElement = document.createElement('html')
  globalThis.document = document
  globalThis.window = globalThis
  return () => {
    delete globalThis.document
    delete globalThis.window
  }
}

module.exports = { installMiniDom }
