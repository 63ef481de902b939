import { describe, expect, it } from '@jest/globals';
import { parseXml, readServiceResponse } from './cas-response.js';

describe('CAS 3 service responses', () => {
  it('reads the user and multi-valued attributes, whatever the namespace prefix', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
      <cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
        <cas:authenticationSuccess>
          <cas:user>jdupont</cas:user>
          <cas:attributes>
            <cas:displayName>Jeanne Dupont &amp; fils</cas:displayName>
            <cas:mail><![CDATA[jeanne.dupont@example.org]]></cas:mail>
            <cas:rne>0140096D</cas:rne>
            <cas:rne>0141234X</cas:rne>
            <!-- a comment -->
          </cas:attributes>
        </cas:authenticationSuccess>
      </cas:serviceResponse>`;
    expect(readServiceResponse(xml)).toEqual({
      ok: true,
      user: 'jdupont',
      attributes: { displayName: ['Jeanne Dupont & fils'], mail: ['jeanne.dupont@example.org'], rne: ['0140096D', '0141234X'] },
    });
    expect(readServiceResponse(xml.replaceAll('cas:', 'x:').replace('xmlns:x', 'xmlns:x'))).toMatchObject({ ok: true, user: 'jdupont' });
  });

  it('reports a failure with its message', () => {
    const xml = `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1 not recognized</cas:authenticationFailure></cas:serviceResponse>`;
    expect(readServiceResponse(xml)).toEqual({ ok: false, reason: 'Ticket ST-1 not recognized' });
  });

  it('refuses DTDs and malformed documents', () => {
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')).toThrow('DOCTYPE');
    expect(() => parseXml('<a><b></a>')).toThrow('malformed');
    expect(() => parseXml('<a>')).toThrow('malformed');
    expect(readServiceResponse('<html>nope</html>')).toEqual({ ok: false, reason: 'MALFORMED_RESPONSE' });
  });
});
