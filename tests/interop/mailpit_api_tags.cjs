// Mailpit's tag calls of npm's mailpit-api (a third-party Mailpit client), unchanged, against Letterbox: setTags,
// getTags, renameTag, deleteTag, and tag: search. Usage: node mailpit_api_tags.cjs NPM_PREFIX API_URL.
// test_tags.py has sent two messages first, one with X-Tags: Invoice and one to carol+shop@example.test.
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

    await check(async () => assert.deepEqual(await mailpit.getTags(), ["Invoice", "shop"]));
    const list = await mailpit.listMessages();
    const ids = list.messages.map((m) => m.ID);
    await check(() => assert.deepEqual(list.tags, ["Invoice", "shop"]));

    // Exactly these tags on both messages; "invoice" keeps the existing spelling.
    await check(async () => assert.equal(await mailpit.setTags({ IDs: ids, Tags: ["invoice", "Tag 2"] }), "ok"));
    for (const id of ids) {
        const message = await mailpit.getMessageSummary(id);
        await check(() => assert.deepEqual(message.Tags, ["Invoice", "Tag 2"]));
    }
    await check(async () => assert.deepEqual(await mailpit.getTags(), ["Invoice", "Tag 2"]));
    const info = await mailpit.getInfo();
    await check(() => assert.deepEqual(info.Tags, { Invoice: 2, "Tag 2": 2 }));

    // A name with a space goes url-encoded in the path.
    await check(async () => assert.equal(await mailpit.renameTag("Tag 2", "Second Tag"), "ok"));
    const found = await mailpit.searchMessages({ query: 'tag:"Second Tag"' });
    await check(() => assert.equal(found.messages_count, 2));
    await check(async () => assert.equal(await mailpit.deleteTag("Second Tag"), "ok"));
    await check(async () => assert.deepEqual(await mailpit.getTags(), ["Invoice"]));

    // Removing every tag: setTags without Tags.
    await check(async () => assert.equal(await mailpit.setTags({ IDs: ids }), "ok"));
    await check(async () => assert.deepEqual(await mailpit.getTags(), []));
    const after = await mailpit.listMessages();
    await check(() => assert.equal(after.total, 2));
    await check(() => after.messages.forEach((m) => assert.deepEqual(m.Tags, [])));

    // Mailpit's refusal of an unknown tag is an error the client throws.
    await check(() => assert.rejects(mailpit.deleteTag("missing")));

    console.log(`ok ${checks} checks`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
