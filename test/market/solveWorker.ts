/** Worker for the determinism test: solves the scenarios it is given and posts the results' hex. */
import { parentPort, workerData } from 'node:worker_threads';
import { toHex } from '../../src/codec/bytes.ts';
import { encodeMarketResult } from '../../src/market/resultEncoding.ts';
import { scenarioFromJson } from '../../src/market/scenarioJson.ts';
import { solve } from '../../src/market/stackelberg.ts';

const results = (workerData as unknown[]).map((s) => toHex(encodeMarketResult(solve(scenarioFromJson(s)))));
parentPort!.postMessage(results);
