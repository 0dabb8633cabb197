#!/usr/bin/env node
// Bootstrap helper for the node image's builder stage (runs on Debian's node 18, no npm needed):
//   node fetch-npm-package.js <registry> <package> <major> <out.tgz>
// downloads the newest non-prerelease <package>@<major>.x.y tarball from the npm registry,
// checks its `dist.integrity` (sha512) and writes it to <out.tgz>. Prints the version.
'use strict';
const https = require('https');
const http = require('http');
const crypto = require('crypto');
const fs = require('fs');

const [registryArg, pkg, majorArg, out] = process.argv.slice(2);
if (!registryArg || !pkg || !majorArg || !out) {
  console.error('usage: fetch-npm-package.js <registry> <package> <major> <out.tgz>');
  process.exit(2);
}
const registry = registryArg.endsWith('/') ? registryArg : `${registryArg}/`;

function get(url, headers = {}, redirects = 5) {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    lib
      .get(url, { headers }, res => {
        if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && redirects > 0) {
          res.resume();
          resolve(get(new URL(res.headers.location, url).toString(), headers, redirects - 1));
          return;
        }
        const chunks = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode !== 200) {
            reject(new Error(`GET ${url}: HTTP ${res.statusCode} ${body.toString().slice(0, 200)}`));
          } else {
            resolve(body);
          }
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const parse = v => v.split('.').map(Number);
const newer = (a, b) => {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return false;
};

(async () => {
  const meta = JSON.parse(
    (
      await get(`${registry}${pkg.replace('/', '%2f')}`, {
        accept: 'application/vnd.npm.install-v1+json',
      })
    ).toString(),
  );
  let best;
  for (const v of Object.keys(meta.versions)) {
    if (!/^\d+\.\d+\.\d+$/.test(v) || parse(v)[0] !== Number(majorArg)) continue;
    if (!best || newer(v, best)) best = v;
  }
  if (!best) throw new Error(`no ${pkg}@${majorArg}.x on ${registry}`);
  const { tarball, integrity } = meta.versions[best].dist;
  const data = await get(tarball);
  if (integrity) {
    const [algo, want] = integrity.split('-', 2);
    const have = crypto.createHash(algo).update(data).digest('base64');
    if (have !== want) throw new Error(`${pkg}@${best}: integrity mismatch`);
  }
  fs.writeFileSync(out, data);
  console.log(best);
})().catch(err => {
  console.error(`fetch-npm-package: ${err.message}`);
  process.exit(1);
});
