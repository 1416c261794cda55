/**
 * Members: every member as the chain holds it — the genesis members, then those joined since (by
 * `member.register`, or `member.admit` from their own signed card) with the height they joined —
 * their organisation key now and each change of it (a rotation the member signed, or a recovery by
 * the trading centre with its reason), and the rotations of the regulator's certification key
 * (docs/protocol.md §4.1–§4.3). Read from GET /v1/members and /v1/regulator/cert-keys; refreshed
 * when a block with transactions commits.
 */
import type { CertKeysView, KeyChangeView, MembersView, MemberView } from '../../contracts/views.ts';
import { get } from '../api.ts';
import { type Page, throttle } from '../app.ts';
import { fill, h, short, table } from '../dom.ts';

const joined = (m: MemberView) =>
  m.joinedVia === 'genesis'
    ? 'genesis'
    : `height ${m.joinedHeight} (${m.joinedVia === 'card' ? 'its signed card' : 'registered'})`;

const how = (k: KeyChangeView) =>
  k.how === 'rotate' ? 'rotated (signed with the old key)' : `recovered by ${k.by}`;

export const membersPage: Page = async (root, app) => {
  const list = h('section', { 'aria-labelledby': 'members-h' });
  const changes = h('section', { 'aria-labelledby': 'key-changes-h' });
  const cert = h('section', { 'aria-labelledby': 'cert-keys-h' });
  fill(root, h('h1', {}, 'Members'), list, changes, cert);

  const show = async () => {
    const [{ members }, certKeys] = await Promise.all([
      get<MembersView>('/v1/members'),
      get<CertKeysView>('/v1/regulator/cert-keys'),
    ]);
    const joinedSince = members.filter((m) => m.joinedVia !== 'genesis').length;
    fill(
      list,
      h('h2', { id: 'members-h' }, 'Directory'),
      table(
        `${members.length} members: ${members.length - joinedSince} of the genesis, ${joinedSince} joined since`,
        ['member', 'role', 'aggregator', 'joined', 'organisation key', 'key changes', 'standing'],
        members.map((m) => [
          m.id,
          m.role,
          m.aggregator ?? '—',
          joined(m),
          short(m.orgKey, 16),
          m.keyChanges.length,
          m.suspended ? h('span', { class: 'warn' }, 'suspended') : 'active',
        ]),
        'members',
      ),
    );
    const all = members.flatMap((m) => m.keyChanges.map((k) => ({ m, k })));
    all.sort((a, b) => Number(BigInt(b.k.height) - BigInt(a.k.height)));
    fill(
      changes,
      h('h2', { id: 'key-changes-h' }, 'Organisation-key changes'),
      all.length === 0
        ? h('p', {}, 'No member has changed its organisation key.')
        : table(
            'Each change as audited on chain, newest first: the old key is refused from the next transaction on',
            ['member', 'height', 'time', 'how', 'old key', 'new key', 'reason', 'possession of the new key'],
            all.map(({ m, k }) => [
              m.id,
              k.height,
              new Date(Number(k.atMs)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
              how(k),
              short(k.oldKey, 16),
              short(k.newKey, 16),
              k.reason === '' ? '—' : k.reason,
              k.possessionProven ? 'proven on chain' : h('span', { class: 'warn' }, 'not proven'),
            ]),
            'key-changes',
          ),
    );
    fill(
      cert,
      h('h2', { id: 'cert-keys-h' }, 'Regulator’s certification key'),
      h(
        'p',
        {},
        certKeys.current === null ? 'Not on chain yet (published with the first round).' : 'Now ',
        certKeys.current === null ? null : short(certKeys.current, 16),
        certKeys.changes.length === 0
          ? ''
          : '. Pseudonyms certified under an earlier key keep their registration; new certificates must be the current key’s.',
      ),
      certKeys.changes.length === 0
        ? null
        : table(
            'Rotations of the certification key',
            ['#', 'height', 'old key', 'new key'],
            certKeys.changes.map((c) => [c.seq, c.height, short(c.oldKey, 16), short(c.newKey, 16)]),
            'cert-keys',
          ),
    );
  };

  await show();
  const refresh = throttle(() => void show().catch(() => {}), 3_000);
  app.onEvent((e) => {
    if (e.type === 'block' && typeof e.txs === 'number' && e.txs > 0) refresh();
  });
};
