// Reads on the 500-key set: microconf's typed accessors against a flat Map and the peers, every library checked for
// the same answers first.
import { join } from 'node:path';
import { do_not_optimize } from 'mitata';
import { MISSING, PROBES, type DataSet } from './data.ts';
import { goal, ns, quick, record } from './harness.ts';
import { convictSchema, flatIndex, loadConvict, loadFloor, loadMicroconf, loadNconf } from './peers.ts';

/** Times reads of a leaf, of present and missing keys, and of a subtree. */
export async function benchReads(root: string, sets: Map<number, DataSet>): Promise<void> {
  const data = sets.get(500)!;
  const dir = join(root, '500');
  for (const [name, value] of Object.entries(data.env)) process.env[name] = value;
  process.env.NODE_CONFIG_DIR = dir;
  process.env.NODE_ENV = 'production';
  process.env.SUPPRESS_NO_CONFIG_WARNING = 'y';
  const config = await loadMicroconf(dir, data.env);
  const nodeConfig = (await import('config')).default as unknown as { get(key: string): unknown; has(key: string): boolean };
  const nconf = await loadNconf(dir, data.env);
  const convict = await loadConvict(dir, convictSchema(data.defaults, data.env));
  const floorTree = await loadFloor(dir, data.env);
  const flat = flatIndex(floorTree);

  const expected = flat.get(PROBES.leaf);
  const answers = {
    microconf: config.get(PROBES.leaf).int(0),
    'node-config': nodeConfig.get(PROBES.leaf),
    nconf: nconf.get(PROBES.leaf.replaceAll('.', ':')),
    convict: convict.get(PROBES.leaf),
  };
  for (const [library, answer] of Object.entries(answers)) {
    if (answer !== expected) throw new Error(`${library} answers ${String(answer)} for ${PROBES.leaf}, not ${String(expected)}`);
  }
  for (const [name, value] of Object.entries(data.env)) {
    const path = name.slice(5).split('__').join('.');
    if (config.get(path).string() !== value || convict.get(path) !== value || nodeConfig.get(path) !== value || nconf.get(path.replaceAll('.', ':')) !== value) {
      throw new Error(`an environment value differs at ${path}: ${JSON.stringify([value, config.get(path).raw(), convict.get(path), nodeConfig.get(path), nconf.get(path.replaceAll(".", ":"))])}`);
    }
  }

  // Warm every accessor with many keys, so what is measured is a real program's polymorphic steady state.
  const warm = data.leaves.slice(0, 300);
  for (let round = 0; round < 3; round++) {
    for (const key of warm) {
      config.get(key).int(0);
      config.get(key).exists();
      flat.get(key);
      flat.has(key);
      nodeConfig.get(key);
      convict.get(key);
      nconf.get(key.replaceAll('.', ':'));
    }
  }
  let key = PROBES.leaf;
  const nconfKey = PROBES.leaf.replaceAll('.', ':');
  const floor = await ns(() => do_not_optimize(flat.get(key)));
  const ours = await ns(() => do_not_optimize(config.get(key).int(0)));
  const peers = {
    'node-config': await ns(() => do_not_optimize(nodeConfig.get(key))),
    convict: await ns(() => do_not_optimize(convict.get(key))),
    nconf: await ns(() => do_not_optimize(nconf.get(nconfKey))),
  };
  record('floor: flat Map.get', floor, 'ns');
  record("microconf get('hosts.database.primary.port').int(0)", ours, 'ns', `${(ours / floor).toFixed(2)}× Map.get`);
  for (const [library, time] of Object.entries(peers)) record(`${library} get`, time, 'ns', `${(time / ours).toFixed(1)}× microconf`);
  // Single-digit-nanosecond ratios swing with the harness' own ~5 ns: the quick check forgives an excess that small.
  goal('typed leaf read vs Map.get', ours / floor, 1.5, 'lower', '≤ 1.5× a flat Map.get', { slackNs: ours - 1.5 * floor });
  goal('typed leaf read vs slowest-to-beat peer', Math.min(...Object.values(peers)) / ours, 5, 'higher', '≥ 5× faster than node-config, convict, nconf');

  const has = await ns(() => do_not_optimize(flat.has(key)));
  const present = await ns(() => do_not_optimize(config.get(key).exists()));
  // Missing keys: the mean over the same 16 paths (see MISSING) on each side, each timed on its own.
  for (const path of MISSING) if (flat.has(path) || config.get(path).exists()) throw new Error(`${path} is not missing`);
  let hasMissing = 0;
  let missing = 0;
  // Each of the 16 timed for at least 40 ms of CPU, in the quick run too: shorter, a timing still includes the JIT
  // settling on the new closure.
  const share = quick ? 1 : 0.25;
  for (const path of MISSING) {
    key = path;
    hasMissing += (await ns(() => do_not_optimize(flat.has(key)), share)) / MISSING.length;
    missing += (await ns(() => do_not_optimize(config.get(key).exists()), share)) / MISSING.length;
  }
  // For scale: what a hit costs in a Map keyed by the very strings read (what any memo of paths is), same 16 paths.
  const hits = new Map(MISSING.map((path) => [path, path]));
  let hit = 0;
  for (const path of MISSING) {
    key = path;
    hit += (await ns(() => do_not_optimize(hits.get(key)), share)) / MISSING.length;
  }
  record('floor: Map.has (present / missing)', has, 'ns', `missing ${hasMissing.toFixed(1)} ns (mean of 16 keys)`);
  record('floor: Map.get hit, keyed by the strings read (a memo)', hit, 'ns', 'mean of the same 16 keys');
  record('microconf exists() present', present, 'ns', `${(present / has).toFixed(2)}× Map.has`);
  record('microconf exists() missing', missing, 'ns', `${(missing / hasMissing).toFixed(2)}× Map.has`);
  goal('exists() present vs Map.has', present / has, 1.5, 'lower', '≤ 1.5× Map.has', { slackNs: present - 1.5 * has });
  goal('exists() missing vs Map.has', missing / hasMissing, 1.5, 'lower', '≤ 1.5× Map.has, no exception', { slackNs: missing - 1.5 * hasMissing });

  key = PROBES.subtree;
  const raw = await ns(() => do_not_optimize(config.get(key).raw()));
  const scan = await ns(() => do_not_optimize(config.get(key).scan()));
  record("microconf get('hosts.database').raw() (the frozen node)", raw, 'ns');
  record("microconf get('hosts.database').scan() (a deep copy)", scan, 'ns');
  goal('subtree raw()', raw, 100, 'lower', '≤ 100 ns');
  await config.close();
}
