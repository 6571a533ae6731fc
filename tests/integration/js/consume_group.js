// kafkajs consumer in a group (needs the broker's group coordinator): reads `count` records
// of <topic> from the beginning and prints them as JSON lines [partition, offset, key, value].
// Usage: node consume_group.js <host:port> <topic> <group> <count>
'use strict';
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [broker, topic, groupId, countArg] = process.argv.slice(2);
  const count = Number(countArg);
  const kafka = new Kafka({ clientId: 'moldau-kafkajs', brokers: [broker], logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, rebalanceTimeout: 10000,
                                    heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen = [];
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const timer = setTimeout(() => done(), 60000);
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      seen.push([partition, Number(message.offset), message.key.toString(), message.value.toString()]);
      if (seen.length >= count) done();
    },
  });
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  seen.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const r of seen) process.stdout.write(JSON.stringify(r) + '\n');
  if (seen.length !== count) process.exit(2);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
