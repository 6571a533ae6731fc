// kafka-node (5.0.0, its last release) against a broker, for interop_kafka_node_test.py.
//
//   node kafka_node_client.js --bootstrap H:P --topic T --mode produce --count N [--start I] [--codec C]
//   node kafka_node_client.js --bootstrap H:P --topic T --mode consume --count N
//   node kafka_node_client.js --bootstrap H:P --topic T --mode group --group G
//
// kafka-node asks ApiVersions and then never goes past what it knows: Produce v2 (message
// format v1, compressed as a wrapper message), ListOffsets v0, Metadata v1; its plain Consumer
// fetches with Fetch v0, its ConsumerGroup with Fetch v2, JoinGroup v0, SyncGroup v0,
// OffsetCommit v2 and OffsetFetch v1. Its codecs are gzip and snappy (the native snappy
// module); it has no lz4 or zstd.
//
// produce sends records key-I..key-(I+N-1) with values value-I.. in one request, partitioned
// by key, and prints "partition offset key value" for each (offsets from the base offset each
// partition's answer carries). consume first prints "# offsets P earliest latest" for every
// partition (ListOffsets v0), then reads every partition from its earliest offset without a
// group until N records have arrived, printing "partition offset key value". group joins
// consumer group G, prints "# assigned P..." after each rebalance and every record it reads,
// commits, and on the close of its standard input commits, leaves the group and exits.
'use strict';
const { parseArgs } = require('node:util');
const kafka = require('kafka-node');

const { values: opt } = parseArgs({
  options: {
    bootstrap: { type: 'string', default: '127.0.0.1:9092' },
    topic: { type: 'string' },
    mode: { type: 'string' },
    count: { type: 'string', default: '0' },
    start: { type: 'string', default: '0' },
    codec: { type: 'string', default: 'none' },
    group: { type: 'string' },
    'timeout-ms': { type: 'string', default: '60000' },
  },
});
const count = Number(opt.count);
const start = Number(opt.start);
const timeoutMs = Number(opt['timeout-ms']);
const CODECS = { none: 0, gzip: 1, snappy: 2 }; // the message attributes' codec bits

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

function line(s) {
  process.stdout.write(s + '\n');
}

function record(partition, offset, key, value) {
  line(`${partition} ${offset} ${key == null ? '-' : key} ${value}`);
}

function newClient() {
  return new kafka.KafkaClient({ kafkaHost: opt.bootstrap, clientId: 'moldau-interop-kafka-node',
                                 connectTimeout: 10000, requestTimeout: 30000 });
}

function partitionsOf(client, topic) {
  return new Promise((resolve, reject) => {
    client.loadMetadataForTopics([topic], (err, res) => {
      if (err) return reject(err);
      const md = res[1].metadata[topic];
      if (!md) return reject(new Error(`topic ${topic} not found`));
      resolve(Object.keys(md).map(Number).sort((a, b) => a - b));
    });
  });
}

function produce() {
  if (!(opt.codec in CODECS)) fail(`--codec ${opt.codec}: want none, gzip or snappy`);
  const client = newClient();
  const producer = new kafka.Producer(client, { requireAcks: -1, ackTimeoutMs: 10000,
                                                partitionerType: 3 /* keyed */ });
  producer.on('error', (e) => fail(`producer: ${e.message || e}`));
  producer.on('ready', () => {
    const payloads = [];
    for (let i = start; i < start + count; i++) {
      const key = `key-${i}`;
      payloads.push({ topic: opt.topic, key, attributes: CODECS[opt.codec],
                      messages: new kafka.KeyedMessage(key, `value-${i}`) });
    }
    // Payloads for one partition go out as one message set, compressed as one wrapper.
    producer.send(payloads, (err, res) => {
      if (err) fail(`produce: ${err.message || err}`);
      const base = res[opt.topic];
      const next = {};
      for (const p of payloads) {
        next[p.partition] = next[p.partition] === undefined ? base[p.partition] : next[p.partition] + 1;
        record(p.partition, next[p.partition], p.key, p.messages.value);
      }
      producer.close(() => process.exit(0));
    });
  });
}

function listOffsets(offset, topic, partitions, time) {
  return new Promise((resolve, reject) => {
    offset.fetch(partitions.map((partition) => ({ topic, partition, time, maxNum: 1 })), (err, res) => {
      if (err) return reject(err);
      resolve(partitions.map((p) => res[topic][p][0]));
    });
  });
}

async function consume() {
  const client = newClient();
  const partitions = await partitionsOf(client, opt.topic);
  const offset = new kafka.Offset(client);
  const earliest = await listOffsets(offset, opt.topic, partitions, -2);
  const latest = await listOffsets(offset, opt.topic, partitions, -1);
  partitions.forEach((p, n) => line(`# offsets ${p} ${earliest[n]} ${latest[n]}`));
  const consumer = new kafka.Consumer(
    client, partitions.map((partition, n) => ({ topic: opt.topic, partition, offset: earliest[n] })),
    { autoCommit: false, fromOffset: true, encoding: 'utf8', keyEncoding: 'utf8',
      fetchMaxWaitMs: 200 });
  let got = 0;
  const timer = setTimeout(() => fail(`consume: read ${got} of ${count} records in ${timeoutMs} ms`),
                           timeoutMs);
  const finish = () => {
    clearTimeout(timer);
    consumer.close(false, () => process.exit(0));
  };
  if (count === 0) return finish();
  consumer.on('error', (e) => fail(`consume: ${e.message || e}`));
  consumer.on('offsetOutOfRange', (e) => fail(`consume: offset out of range: ${JSON.stringify(e)}`));
  consumer.on('message', (m) => {
    if (got >= count) return;
    record(m.partition, m.offset, m.key, m.value);
    if (++got === count) finish();
  });
}

function group() {
  if (!opt.group) fail('--group is required in mode group');
  const cg = new kafka.ConsumerGroup({
    kafkaHost: opt.bootstrap, clientId: 'moldau-interop-kafka-node', groupId: opt.group,
    sessionTimeout: 10000, heartbeatInterval: 500, protocol: ['range'], fromOffset: 'earliest',
    outOfRangeOffset: 'earliest', autoCommit: true, autoCommitIntervalMs: 200,
    encoding: 'utf8', keyEncoding: 'utf8', fetchMaxWaitMs: 200,
  }, [opt.topic]);
  cg.on('error', (e) => fail(`group ${opt.group}: ${e.message || e}`));
  cg.on('rebalanced', () => {
    const mine = cg.topicPayloads.filter((p) => p.topic === opt.topic).map((p) => p.partition);
    line(['#', 'assigned', ...mine.sort((a, b) => a - b)].join(' '));
  });
  cg.on('message', (m) => record(m.partition, m.offset, m.key, m.value));
  process.stdin.resume();
  process.stdin.on('end', () => {
    // force: commit what was read before leaving the group.
    cg.close(true, (err) => {
      if (err) fail(`close: ${err.message || err}`);
      process.exit(0);
    });
  });
}

if (!opt.topic) fail('--topic is required');
switch (opt.mode) {
  case 'produce': produce(); break;
  case 'consume': consume().catch((e) => fail(`consume: ${e.message || e}`)); break;
  case 'group': group(); break;
  default: fail(`--mode must be produce, consume or group, not ${opt.mode}`);
}
