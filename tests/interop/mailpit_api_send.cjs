// Sends through Letterbox's POST /api/v1/send with npm's mailpit-api (a third-party Mailpit client), unchanged, and
// reads the message back with the same client. Usage: node mailpit_api_send.cjs NPM_PREFIX API_URL
"use strict";
const assert = require("node:assert/strict");
const path = require("node:path");
const { createRequire } = require("node:module");

const [prefix, baseURL] = process.argv.slice(2);
const { MailpitClient } = createRequire(path.join(prefix, "package.json"))("mailpit-api");

async function main() {
    const mailpit = new MailpitClient(baseURL);
    let checks = 0;
    const check = async (fn) => {
        await fn();
        checks++;
    };
    const sent = await mailpit.sendMessage({
        From: { Email: "app@example.test", Name: "The App" },
        To: [{ Email: "user@example.test", Name: "Zoë User" }],
        Bcc: ["audit@example.test"],
        Subject: "Welcome ✉",
        Text: "Welcome aboard.",
        HTML: "<p>Welcome <b>aboard</b>.</p>",
        Tags: ["signup"],
        Headers: { "X-Campaign": "onboarding" },
        Attachments: [{ Content: Buffer.from("hello file\n").toString("base64"), Filename: "hello.txt" }],
    });
    await check(() => assert.match(sent.ID, /^[0-9A-Za-z]{22}$/));

    const message = await mailpit.getMessageSummary(sent.ID);
    await check(() => assert.equal(message.Subject, "Welcome ✉"));
    await check(() => assert.deepEqual(message.From, { Name: "The App", Address: "app@example.test" }));
    await check(() => assert.deepEqual(message.To, [{ Name: "Zoë User", Address: "user@example.test" }]));
    await check(() => assert.deepEqual(message.Bcc, [{ Name: "", Address: "audit@example.test" }]));
    await check(() => assert.equal(message.Text.trim(), "Welcome aboard."));
    await check(() => assert.equal(message.Attachments.length, 1));
    const attachment = await mailpit.getMessageAttachment(sent.ID, message.Attachments[0].PartID);
    await check(async () => assert.equal(await attachment.text(), "hello file\n"));
    const headers = await mailpit.getMessageHeaders(sent.ID);
    await check(() => assert.deepEqual(headers["X-Campaign"], ["onboarding"]));
    await check(() => assert.deepEqual(headers["X-Tags"], ["signup"]));

    // A refusal is Mailpit's 400 with a JSON {"Error"}: the client throws.
    await check(() => assert.rejects(mailpit.sendMessage({ To: [{ Email: "user@example.test" }] })));
    console.log(`ok ${checks} checks`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
