import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './spare-postgres.js';
import { ROOT } from './test-app.js';

export const LDAP_FIXTURES = join(ROOT, 'test', 'fixtures', 'ldap');
export const LDAP_SUFFIX = 'dc=ac-exemple,dc=fr';
export const LDAP_ADMIN = { dn: `cn=admin,${LDAP_SUFFIX}`, password: 'test-secret' };

export interface Slapd {
  url: string;
  /** Adds LDIF to the running server (ldapadd). */
  add(ldif: string): void;
  /** Runs ldapmodify with this LDIF. */
  modify(ldif: string): void;
  stop(): Promise<void>;
}

/**
 * A real OpenLDAP server (Debian's slapd) on a free loopback port, with a temporary configuration
 * and database loaded from LDIF (by default the fictitious academy of test/fixtures/ldap), never
 * the system's instance. `extraLdif` is loaded with it (e.g. 10,000 generated people).
 */
export async function startSlapd(options: { ldif?: string; extraLdif?: string } = {}): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'guichet-slapd-'));
  mkdirSync(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `include ${join(LDAP_FIXTURES, 'fredu.schema')}`,
      `pidfile ${join(dir, 'slapd.pid')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'sizelimit unlimited',
      'database mdb',
      'maxsize 268435456',
      `suffix "${LDAP_SUFFIX}"`,
      `rootdn "${LDAP_ADMIN.dn}"`,
      `rootpw ${LDAP_ADMIN.password}`,
      `directory ${join(dir, 'db')}`,
      'access to * by dn.exact="' + LDAP_ADMIN.dn + '" write by * none',
      '',
    ].join('\n'),
  );
  const ldif = join(dir, 'data.ldif');
  writeFileSync(ldif, (options.ldif ?? readFileSync(join(LDAP_FIXTURES, 'academie-exemple.ldif'), 'utf8')) + '\n' + (options.extraLdif ?? ''));
  const load = spawnSync('/usr/sbin/slapadd', ['-q', '-f', conf, '-l', ldif], { encoding: 'utf8' });
  if (load.status !== 0) throw new Error(`slapadd failed: ${load.stderr}`);
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  // -d 0: stays in the foreground (so the test owns the process) without debug output.
  const child: ChildProcess = spawn('/usr/sbin/slapd', ['-h', `${url}/`, '-f', conf, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitForPort(port, () => (child.exitCode !== null ? `slapd exited: ${stderr}` : undefined));
  const tool = (bin: string, text: string) => {
    const r = spawnSync(bin, ['-x', '-H', url, '-D', LDAP_ADMIN.dn, '-w', LDAP_ADMIN.password], { input: text, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${bin} failed: ${r.stderr}`);
  };
  return {
    url,
    add: (text) => tool('/usr/bin/ldapadd', text),
    modify: (text) => tool('/usr/bin/ldapmodify', text),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, failed: () => string | undefined): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const why = failed();
    if (why) throw new Error(why);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`slapd did not listen on ${port}`);
}
