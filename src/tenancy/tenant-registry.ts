import { DomainError } from '../common/errors.js';
import type { TenantPack } from './tenant-pack.js';

/** The packs this deployment serves, loaded and validated at boot. */
export class TenantRegistry {
  private readonly packs: Map<string, TenantPack>;

  constructor(packs: TenantPack[]) {
    this.packs = new Map(packs.map((p) => [p.id, p]));
  }

  get(id: string): TenantPack {
    const pack = this.packs.get(id);
    if (!pack) throw new DomainError('TENANT_NOT_FOUND', { tenant: id });
    return pack;
  }

  has(id: string): boolean {
    return this.packs.has(id);
  }

  all(): TenantPack[] {
    return [...this.packs.values()];
  }
}
