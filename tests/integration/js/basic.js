// kafkajs against a Moldau broker: admin (create topics with configs, describe configs,
// create partitions, metadata, offsets, delete topics) and a keyed gzip producer.
// Usage: node basic.js <host:port> <topic>. Prints one JSON object with what it saw;
// tests/integration/broker_kafkajs_test.py checks it and reads the records back.
'use strict';
const { Kafka, logLevel, CompressionTypes, ConfigResourceTypes } = require('kafkajs');

async function main() {
  const [broker, topic] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'moldau-kafkajs', brokers: [broker], logLevel: logLevel.ERROR,
                            retry: { retries: 5 } });
  const admin = kafka.admin();
  await admin.connect();
  const out = {};
  out.created = await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '7200000' }] },
      { topic: `${topic}-doomed`, numPartitions: 1 },
    ],
  });
  out.createdAgain = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic,
                  configNames: ['retention.ms', 'cleanup.policy'] }],
  });
  out.configs = described.resources[0].configEntries
    .map((e) => ({ name: e.configName, value: e.configValue, isDefault: e.isDefault,
                   source: e.configSource, readOnly: e.readOnly }))
    .sort((a, b) => a.name.localeCompare(b.name));
  await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
  try {
    await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
    out.shrinkError = null;
  } catch (e) {
    out.shrinkError = e.type || e.name;
  }
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  out.partitions = md.topics[0].partitions.map((p) => [p.partitionId, p.leader]).sort((a, b) => a[0] - b[0]);

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const messages = [];
  for (let i = 0; i < 40; i++) messages.push({ key: `key-${i}`, value: `kafkajs ${i}`, headers: { i: `${i}` } });
  const sent = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  out.sent = sent.map((r) => [r.partition, r.baseOffset]).sort((a, b) => a[0] - b[0]);
  await producer.disconnect();

  const offsets = await admin.fetchTopicOffsets(topic);
  out.offsets = offsets.map((o) => [o.partition, o.low, o.high]).sort((a, b) => a[0] - b[0]);

  await admin.deleteTopics({ topics: [`${topic}-doomed`] });
  out.topicsAfterDelete = (await admin.listTopics()).sort();
  await admin.disconnect();
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
