// Drives Letterbox with npm's mailpit-api (a third-party Mailpit client), unchanged.
// Usage: node mailpit_api_client.cjs NPM_PREFIX API_URL. test_mailpit_api.py has sent the three messages first.
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

    const info = await mailpit.getInfo();
    await check(() => assert.equal(info.Messages, 3));
    await check(() => assert.equal(info.Unread, 3));

    const list = await mailpit.listMessages();
    await check(() => assert.equal(list.total, 3));
    await check(() => assert.equal(list.messages.length, 3));
    await check(() => assert.equal(list.messages[0].Subject, "Third: lunch"));
    await check(() => assert.equal(list.messages[2].Subject, "First: invoice 42"));
    await check(() => assert.deepEqual(list.messages[2].From, { Name: "Alice", Address: "alice@example.test" }));

    const page = await mailpit.listMessages(1, 1);
    await check(() => assert.equal(page.messages.length, 1));
    await check(() => assert.equal(page.messages[0].Subject, "Second: report"));

    const found = await mailpit.searchMessages({ query: "subject:invoice" });
    await check(() => assert.equal(found.messages_count, 1));
    const id = found.messages[0].ID;
    await check(() => assert.equal(found.messages[0].Attachments, 1));

    const message = await mailpit.getMessageSummary(id);
    await check(() => assert.equal(message.Subject, "First: invoice 42"));
    await check(() => assert.equal(message.Text.trim(), "Please find invoice 42 attached."));
    await check(() => assert.equal(message.Attachments.length, 1));
    await check(() => assert.equal(message.Attachments[0].FileName, "invoice-42.txt"));
    await check(() => assert.deepEqual(message.To, [{ Name: "Bob", Address: "bob@example.test" }]));
    await check(() => assert.deepEqual(message.Bcc, [{ Name: "", Address: "audit@example.test" }]));

    const attachment = await mailpit.getMessageAttachment(id, message.Attachments[0].PartID);
    await check(() => assert.equal(attachment.size, "invoice 42: 100 EUR\n".length));
    await check(async () => assert.equal(await attachment.text(), "invoice 42: 100 EUR\n"));

    const headers = await mailpit.getMessageHeaders(id);
    await check(() => assert.deepEqual(headers.Subject, ["First: invoice 42"]));
    await check(() => assert.deepEqual(headers["Mime-Version"], ["1.0"]));

    const source = await mailpit.getMessageSource(id);
    await check(() => assert.match(source, /^Received: from /));
    await check(() => assert.match(source, /Subject: First: invoice 42\r\n/));

    const latest = await mailpit.getMessageSummary();
    await check(() => assert.equal(latest.Subject, "Third: lunch"));
    const html = await mailpit.renderMessageHTML(latest.ID);
    await check(() => assert.match(html, /<b>lunch<\/b>/));
    const text = await mailpit.renderMessageText(latest.ID);
    await check(() => assert.match(text, /Lunch at noon/));

    // Fetching two messages marked them read; set one back to unread, then all read.
    await check(() => assert.equal(list.unread, 3));
    await check(async () => assert.equal(await mailpit.setReadStatus({ IDs: [id], Read: false }), "ok"));
    let after = await mailpit.listMessages();
    await check(() => assert.equal(after.unread, 2));
    await check(async () => assert.equal(await mailpit.setReadStatus({ Read: true }), "ok"));
    after = await mailpit.listMessages();
    await check(() => assert.equal(after.unread, 0));
    await mailpit.setReadStatus({ Search: "from:carol", Read: false });
    after = await mailpit.listMessages();
    await check(() => assert.equal(after.unread, 1));

    const waited = await mailpit.waitForMessage({ query: "from:carol" }, { timeout: 5000, interval: 100 });
    await check(() => assert.equal(waited.Subject, "Second: report"));
    const counted = await mailpit.waitForMessages({ count: 3, exact: true }, { timeout: 5000, interval: 100 });
    await check(() => assert.equal(counted.messages_count, 3));

    await check(async () => assert.equal(await mailpit.deleteMessagesBySearch({ query: "from:carol" }), "ok"));
    after = await mailpit.listMessages();
    await check(() => assert.equal(after.total, 2));
    await check(async () => assert.equal(await mailpit.deleteMessages({ IDs: [id] }), "ok"));
    after = await mailpit.listMessages();
    await check(() => assert.equal(after.total, 1));
    await check(async () => assert.equal(await mailpit.deleteMessages(), "ok"));
    after = await mailpit.listMessages();
    await check(() => assert.equal(after.total, 0));

    await assert.rejects(mailpit.getMessageSummary("latest"), /404/);
    checks++;
    await assert.rejects(mailpit.searchMessages({ query: "" }), /400/);
    checks++;
    console.log(`ok ${checks} checks`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
