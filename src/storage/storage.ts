import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

/** Where attachment bytes live. The database keeps only metadata and the storage key. */
export abstract class StorageDriver {
  abstract put(tenantId: string, data: Buffer): Promise<{ key: string; sha256: string }>;
  abstract open(key: string): Readable;
  abstract remove(key: string): Promise<void>;
}

/** The default driver: files in a local folder, one sub-folder per tenant. */
export class LocalStorageDriver extends StorageDriver {
  constructor(private readonly root: string) {
    super();
  }

  async put(tenantId: string, data: Buffer): Promise<{ key: string; sha256: string }> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const key = `${tenantId}/${sha256.slice(0, 2)}/${randomUUID()}`;
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data, { flag: 'wx' });
    return { key, sha256 };
  }

  open(key: string): Readable {
    return createReadStream(this.pathOf(key));
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(resolve(this.root) + sep)) throw new Error('storage key outside the storage folder');
    return path;
  }
}
