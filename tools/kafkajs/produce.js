// Produce newline-delimited records from stdin to a Kafka topic with KafkaJS (a non-Python client).
// Usage: node produce.js BOOTSTRAP TOPIC < records.jsonl   (one record value per line, sent as is)
// Prints the number of records acknowledged; exits non-zero on any failure.
"use strict";

const { Kafka, Partitioners, logLevel } = require("kafkajs");

async function main() {
  const [bootstrap, topic] = process.argv.slice(2);
  if (!bootstrap || !topic) {
    console.error("usage: node produce.js BOOTSTRAP TOPIC < records.jsonl");
    process.exit(2);
  }
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const values = Buffer.concat(chunks).toString("utf8").split("\n").filter((line) => line.trim());

  const kafka = new Kafka({ clientId: "choruswatch-kafkajs", brokers: bootstrap.split(","), logLevel: logLevel.WARN });
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const replies = await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    console.log(JSON.stringify({ sent: values.length, partitions: replies.length }));
  } finally {
    await producer.disconnect();
  }
}

main().catch((err) => {
  console.error(`kafkajs produce failed: ${err.stack || err}`);
  process.exit(1);
});
