// npm's mailpit-api (a third-party Mailpit client), unchanged, given two mailboxes' base URLs at once
// (CONTRACT "Mailboxes": API_URL/mailbox/shop and API_URL/mailbox/billing): each client sees and changes only its own
// mailbox. Usage: node mailpit_api_mailboxes.cjs NPM_PREFIX API_URL.
// test_mailboxes_api.py has routed "shop 1".."shop 3" to shop, "billing 1" and "billing 2" to billing, "inbox 1" to
// Inbox, oldest first.
"use strict";
const assert = require("node:assert/strict");
const path = require("node:path");
const { createRequire } = require("node:module");

const [prefix, baseURL] = process.argv.slice(2);
const { MailpitClient } = createRequire(path.join(prefix, "package.json"))("mailpit-api");

async function main() {
    const shop = new MailpitClient(baseURL + "/mailbox/shop");
    const billing = new MailpitClient(baseURL + "/mailbox/billing");
    let checks = 0;
    const check = async (fn) => {
        await fn();
        checks++;
    };
    const subjects = (list) => list.messages.map((m) => m.Subject);

    // list: each its own messages, newest first, with its own counts.
    const shopList = await shop.listMessages();
    const billingList = await billing.listMessages();
    await check(() => assert.deepEqual(subjects(shopList), ["shop 3", "shop 2", "shop 1"]));
    await check(() => assert.equal(shopList.total, 3));
    await check(() => assert.equal(shopList.unread, 3));
    await check(() => assert.deepEqual(subjects(billingList), ["billing 2", "billing 1"]));
    await check(() => assert.equal(billingList.total, 2));
    const shopIds = Object.fromEntries(shopList.messages.map((m) => [m.Subject, m.ID]));
    const billingIds = Object.fromEntries(billingList.messages.map((m) => [m.Subject, m.ID]));

    // get message: latest is the mailbox's newest; another mailbox's ID is not found (the client throws on 404).
    await check(async () => assert.equal((await shop.getMessageSummary()).Subject, "shop 3"));
    await check(async () => assert.equal((await billing.getMessageSummary(billingIds["billing 1"])).Subject, "billing 1"));
    await check(() => assert.rejects(shop.getMessageSummary(billingIds["billing 1"])));
    await check(() => assert.rejects(billing.getMessageSource(shopIds["shop 2"])));
    // Fetching marked those two read: one in each mailbox.
    await check(async () => assert.equal((await shop.listMessages()).unread, 2));
    await check(async () => assert.equal((await billing.listMessages()).unread, 1));

    // search: the same query, each mailbox's matches.
    const shopFound = await shop.searchMessages({ query: "subject:1" });
    const billingFound = await billing.searchMessages({ query: "subject:1" });
    await check(() => assert.deepEqual(subjects(shopFound), ["shop 1"]));
    await check(() => assert.deepEqual(subjects(billingFound), ["billing 1"]));
    await check(() => assert.equal(shopFound.total, 3));

    // setReadStatus: everything of shop read, billing untouched; then by IDs, another mailbox's passed over.
    await check(async () => assert.equal(await shop.setReadStatus({ Read: true }), "ok"));
    await check(async () => assert.equal((await shop.listMessages()).unread, 0));
    await check(async () => assert.equal((await billing.listMessages()).unread, 1));
    await check(async () =>
        assert.equal(await shop.setReadStatus({ IDs: [shopIds["shop 1"], billingIds["billing 2"]], Read: false }), "ok"));
    await check(async () => assert.equal((await shop.listMessages()).unread, 1));
    await check(async () => assert.equal((await billing.listMessages()).unread, 1));

    // deleteMessages: by IDs (billing's ID through shop's client deletes nothing), then all of billing.
    await check(async () =>
        assert.equal(await shop.deleteMessages({ IDs: [shopIds["shop 2"], billingIds["billing 2"]] }), "ok"));
    await check(async () => assert.deepEqual(subjects(await shop.listMessages()), ["shop 3", "shop 1"]));
    await check(async () => assert.equal((await billing.listMessages()).total, 2));
    await check(async () => assert.equal(await billing.deleteMessages(), "ok"));
    await check(async () => assert.equal((await billing.listMessages()).total, 0));
    await check(async () => assert.equal((await shop.listMessages()).total, 2));

    // sendMessage through billing's base URL stores into billing, whatever the recipient.
    const sent = await billing.sendMessage({ From: { Email: "api@example.test" }, To: [{ Email: "x@shop.test" }],
        Subject: "sent to billing" });
    await check(async () => assert.equal((await billing.getMessageSummary(sent.ID)).Subject, "sent to billing"));
    await check(() => assert.rejects(shop.getMessageSummary(sent.ID)));
    await check(async () => assert.equal((await shop.getInfo()).Messages, 2));
    await check(async () => assert.equal((await billing.getInfo()).Messages, 1));

    console.log(`ok ${checks} checks`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
