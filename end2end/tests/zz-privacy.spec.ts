// Runs last (files run in name order, one worker): after every other e2e test has driven the
// server, its whole log must hold no patient name, NHI or Medtech patient id (logs carry our
// own ids, sizes, states).
import { test, expect } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/server';
import { seed } from '../support/sim';

test('the server log of the whole e2e run holds no patient name, NHI or Medtech patient id', async ({ request }) => {
  const log = fs.readFileSync(path.join(repoRoot, 'target', 'e2e', 'e2e', 'server.log'), 'utf8');
  expect(log.length).toBeGreaterThan(10_000); // the run really logged (JSON lines)
  expect(log).toContain('"message":"photo committed"');
  const facilities = await seed(request);
  const forbidden = new Set<string>();
  for (const f of facilities) {
    for (const p of f.patients) {
      forbidden.add(p.nhi);
      forbidden.add(p.id); // a Medtech patient id is patient identity too (ALEX call paths)
      forbidden.add(p.family);
      forbidden.add(p.given);
    }
    for (const gp of f.practitioners) forbidden.add(gp.family);
  }
  const found = [...forbidden].filter((s) => s.length >= 3 && log.includes(s));
  expect(found).toEqual([]);
});
