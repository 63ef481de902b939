import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { LocalStorageDriver, StorageObjectMissing } from './storage.js';

describe('LocalStorageDriver', () => {
  const root = mkdtempSync(join(tmpdir(), 'guichet-storage-spec-'));
  const driver = new LocalStorageDriver(root);
  const files = () => (readdirSync(root, { recursive: true, withFileTypes: true }) as { isFile(): boolean }[]).filter((e) => e.isFile()).length;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes a stream chunk by chunk, counting its size and hash on the way, and reads it back', async () => {
    const stored = await driver.put('t1', Readable.from([Buffer.from('bon'), Buffer.from('jour')]));
    expect(stored).toMatchObject({ size: 7, sha256: createHash('sha256').update('bonjour').digest('hex') });
    expect(stored.key).toMatch(/^t1\/[0-9a-f]{2}\/[0-9a-f-]{36}$/);
    const chunks: Buffer[] = [];
    for await (const chunk of await driver.open(stored.key)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('bonjour');
  });

  it('leaves nothing behind when the incoming stream fails half-way', async () => {
    const before = files();
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        this.destroy(new Error('client gone'));
      },
    });
    await expect(driver.put('t1', failing)).rejects.toThrow('client gone');
    expect(files()).toBe(before);
  });

  it('says a missing object is missing before anything is read, for a file gone or a folder in its place', async () => {
    await expect(driver.open('t1/00/00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(StorageObjectMissing);
    mkdirSync(join(root, 't1', 'dd', 'a-folder'), { recursive: true });
    await expect(driver.open('t1/dd/a-folder')).rejects.toBeInstanceOf(StorageObjectMissing);
  });

  it('refuses keys outside its folder', async () => {
    await expect(driver.open('../etc/passwd')).rejects.toThrow('outside the storage folder');
  });
});
