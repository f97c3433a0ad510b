/**
 * A private CA and a server certificate it signed, made by the openssl CLI in a temp dir, for a TLS-only Redis
 * (redis-server.ts). The certificate names `hosts` (IP addresses or DNS names) as its subject alternative names.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../meta/helpers.js';
import type { TlsFiles } from './redis-server.js';

export function makeCertificates(hosts: string[]): TlsFiles {
  const dir = tempDir();
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Terrarium test CA'].concat([
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
    ]),
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${hosts[0]}`].concat([
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
    ]),
  );
  const names = hosts.map((host) => `${isIP(host) ? 'IP' : 'DNS'}:${host}`).join(',');
  writeFileSync(file('server.ext'), `subjectAltName=${names}\n`);
  openssl(
    ['x509', '-req', '-days', '2', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey'].concat([
      file('ca.key'),
      '-CAcreateserial',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.pem'),
    ]),
  );
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') };
}
