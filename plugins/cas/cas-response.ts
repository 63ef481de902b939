/** One element of a parsed XML document: local name (namespace prefix dropped), children and text. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1].toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity] ?? whole;
  });
}

/**
 * A small XML reader, enough for CAS responses: elements, text, CDATA, comments and the prolog.
 * No DTDs (a DOCTYPE is refused, so no entity expansion attacks), no attributes kept.
 */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack = [root];
  const token = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!([^>]*)>|<\/\s*([\w.:-]+)\s*>|<\s*([\w.:-]+)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(xml))) {
    if (match.index !== consumed) throw new Error('malformed XML');
    consumed = token.lastIndex;
    const top = stack[stack.length - 1];
    const [, cdata, declaration, closing, opening, , selfClosing, text] = match;
    if (cdata !== undefined) top.text += cdata;
    else if (declaration !== undefined) throw new Error('DOCTYPE not accepted');
    else if (closing) {
      if (stack.length < 2 || top.name !== localName(closing)) throw new Error('malformed XML');
      stack.pop();
    } else if (opening) {
      const element: XmlElement = { name: localName(opening), children: [], text: '' };
      top.children.push(element);
      if (!selfClosing) stack.push(element);
    } else if (text !== undefined) top.text += decode(text);
  }
  if (consumed !== xml.length || stack.length !== 1) throw new Error('malformed XML');
  return root;
}

function localName(name: string): string {
  return name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
}

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

export type CasValidation = { ok: true; user: string; attributes: Record<string, string[]> } | { ok: false; reason: string };

/** Reads a CAS 3 `serviceValidate` answer: the user and attributes, or the failure code. */
export function readServiceResponse(xml: string): CasValidation {
  const response = child(parseXml(xml.trim()), 'serviceResponse');
  const failure = child(response, 'authenticationFailure');
  const success = child(response, 'authenticationSuccess');
  if (!success) return { ok: false, reason: failure ? failure.text.trim() || 'authentication failure' : 'MALFORMED_RESPONSE' };
  const user = child(success, 'user')?.text.trim();
  if (!user) return { ok: false, reason: 'MALFORMED_RESPONSE' };
  const attributes: Record<string, string[]> = {};
  for (const attribute of child(success, 'attributes')?.children ?? []) (attributes[attribute.name] ??= []).push(attribute.text.trim());
  return { ok: true, user, attributes };
}
