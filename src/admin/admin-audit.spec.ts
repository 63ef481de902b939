import { describe, expect, it } from '@jest/globals';
import { csvLine } from './admin-audit.js';

describe('audit CSV lines', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    expect(csvLine(['1', 'plain', 'a,b', 'say "hi"', 'two\nlines'])).toBe('1,plain,"a,b","say ""hi""","two\nlines"\r\n');
    expect(csvLine(['=SUM(A1)', '+1', '-2', '@cmd', 'ok=1'])).toBe("'=SUM(A1),'+1,'-2,'@cmd,ok=1\r\n");
  });
});
