import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What the driver wrote: where, and what it counted on the way (the bytes are never held whole). */
export interface StoredObject {
  key: string;
  sha256: string;
  size: number;
}

/** The object of a key is not in storage (deleted by hand, lost volume, a purge that raced a download). */
export class StorageObjectMissing extends Error {
  constructor(readonly key: string) {
    super(`storage object missing: ${key}`);
    this.name = 'StorageObjectMissing';
  }
}

/**
 * Where attachment bytes live. The database keeps only metadata and the storage key. Bytes come
 * and go as streams so that no file is ever held whole in memory.
 */
export abstract class StorageDriver {
  /**
   * Writes `data` under a new key. Resolves once the bytes are durable; rejects if `data` or the
   * write fails, and then leaves nothing behind under the key.
   */
  abstract put(tenantId: string, data: Readable): Promise<StoredObject>;
  /**
   * Opens the object for reading. Rejects with {@link StorageObjectMissing} when it is gone, so a
   * caller can answer before sending anything; errors while reading come as the stream's `error`.
   */
  abstract open(key: string): Promise<Readable>;
  /** Removes the object; removing a missing one is not an error. */
  abstract remove(key: string): Promise<void>;

  /** Whether the object of `key` is there (`guichet storage check`). */
  async exists(key: string): Promise<boolean> {
    try {
      (await this.open(key)).destroy();
      return true;
    } catch (error) {
      if (error instanceof StorageObjectMissing) return false;
      throw error;
    }
  }

  /** Writes a small object, reads it back and removes it: the readiness check's "storage writable". */
  async probe(): Promise<void> {
    const written = await this.put(PROBE_TENANT, Readable.from([Buffer.from('guichet readiness probe')]));
    try {
      const stream = await this.open(written.key);
      for await (const chunk of stream) void chunk;
    } finally {
      await this.remove(written.key);
    }
  }
}

/** The pseudo-tenant folder (or key prefix) of readiness probes: no tenant's id starts with `_`. */
export const PROBE_TENANT = '_probe';

/** The default driver: files in a local folder, one sub-folder per tenant. */
export class LocalStorageDriver extends StorageDriver {
  constructor(private readonly root: string) {
    super();
  }

  async put(tenantId: string, data: Readable): Promise<StoredObject> {
    const id = randomUUID();
    const key = `${tenantId}/${id.slice(0, 2)}/${id}`;
    const path = this.pathOf(key);
    const hash = createHash('sha256');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await mkdir(dirname(path), { recursive: true });
      await pipeline(data, count, createWriteStream(path, { flags: 'wx' }));
    } catch (error) {
      data.destroy();
      await rm(path, { force: true });
      throw error;
    }
    return { key, sha256: hash.digest('hex'), size };
  }

  async open(key: string): Promise<Readable> {
    let handle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageObjectMissing(key);
      throw error;
    }
    // A directory opens on Linux and fails on the first read: check before the caller answers.
    const stat = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (!stat.isFile()) {
      await handle.close();
      throw new StorageObjectMissing(key);
    }
    return handle.createReadStream();
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
