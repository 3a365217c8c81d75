// libFuzzer target for the mailboxes file (MailboxConfig), which PUT /api/v1/mailboxes/config will take from any API
// client: any bytes must neither crash nor hang the reader; a refusal names a line ("LINE: field: problem"); what it
// accepts it writes back as JSON that reads back equal, and a router can be made from it and asked. Run by
// `packaging/letterbox-dev test --fuzz`.
#include <mailbox/mailboxrouter.h>
#include <message/clientaddress.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const std::optional<MailboxConfig> config = MailboxConfig::fromJson(json, &error);
    if (!config) {
        bool numbered = false;
        if (error.section(u':', 0, 0).toInt(&numbered) < 1 || !numbered) {
            __builtin_trap(); // every error starts with its line
        }
        return 0;
    }
    if (!config->validate().isEmpty()) {
        __builtin_trap(); // what the file accepts, the check in code accepts
    }
    QString again;
    if (MailboxConfig::fromJson(config->toJson(), &again) != config) {
        __builtin_trap(); // written back, read back the same
    }
    const MailboxRouter router(*config);
    const QList<MailboxRouter::Delivery> deliveries = router.route(QStringLiteral("127.0.0.1:2526"),
        QStringLiteral("billing"), ClientAddress::fromString(u"10.1.2.3"), { "orders@shop.test", "a@x.test" });
    qsizetype routed = 0;
    for (const MailboxRouter::Delivery &delivery : deliveries) {
        routed += delivery.recipients.size();
    }
    if (routed != 2) {
        __builtin_trap(); // every recipient goes to exactly one mailbox
    }
    return 0;
}
