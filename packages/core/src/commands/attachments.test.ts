import { describe, expect, it } from 'vitest';
import { cleanFileName, isPdf } from './attachments';

describe('attachment checks', () => {
  it('knows a PDF by its first bytes, not its name', () => {
    expect(isPdf(Buffer.from('%PDF-1.7\n…'))).toBe(true);
    expect(isPdf(Buffer.from('%PDF'))).toBe(false);
    expect(isPdf(Buffer.from('GIF89a'))).toBe(false);
    expect(isPdf(Buffer.from(' %PDF-1.4'))).toBe(false);
    expect(isPdf(new Uint8Array())).toBe(false);
  });

  it('keeps the last path segment, drops control characters and quotes, and adds .pdf', () => {
    expect(cleanFileName('LOA.pdf')).toBe('LOA.pdf');
    expect(cleanFileName('C:\\Users\\noc\\contract.PDF')).toBe('contract.PDF');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd.pdf');
    expect(cleanFileName('call "record"\r\n.pdf')).toBe('call record.pdf');
    expect(cleanFileName('  ')).toBeUndefined();
    expect(cleanFileName('..')).toBeUndefined();
    expect(cleanFileName(`${'x'.repeat(197)}.pdf`)).toBeUndefined();
  });
});
